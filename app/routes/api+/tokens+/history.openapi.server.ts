import * as z from "zod";
import { historyFilterSchema } from "~/modules/tokens/ledger.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { TOKEN_ENTRY_EXAMPLE, tokenHistoryEntryShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/tokens/history", {
  get: {
    capability: "Tokens",
    summary: "Your token ledger",
    description: "Newest first. `nextCursor` is the `seq` of the last item. Admins (`read:tokens:any`) may add `userId`; anyone else asking for another user gets 403.",
    auth: { kind: "signed_in", permission: "read:tokens:own" },
    paginated: true,
    query: historyFilterSchema.extend({ userId: z.string().optional().meta({ description: "Admins only: whose ledger." }) }),
    responses: { 200: { description: "A page of entries.", schema: z.object({ items: z.array(tokenHistoryEntryShape), nextCursor: z.string().nullable() }) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      { name: "ok", summary: "Your redemptions", as: "student", query: { type: "redeem", limit: "25" }, status: 200, response: { items: [TOKEN_ENTRY_EXAMPLE], nextCursor: null } },
      {
        name: "someone_else",
        summary: "Another learner's ledger",
        as: "student",
        query: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 403,
        response: errorExample("forbidden", "You can only read your own token history."),
      },
    ],
  },
});
