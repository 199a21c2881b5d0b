import * as z from "zod";
import { awardListQuerySchema } from "~/modules/tokens/admin-awards.server";
import { defineRoute, FORBIDDEN } from "~/modules/openapi/define.server";
import { TOKEN_AWARD_REQUEST_EXAMPLE, tokenAwardRequestShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/tokens/awards", {
  get: {
    capability: "Tokens",
    summary: "Award requests waiting for a second admin (admin)",
    description: "Newest first, at most 40. `status` is `pending` (the default), `approved` or `rejected`. Approve or reject one with `POST /api/tokens/awards/{requestId}`.",
    auth: { kind: "signed_in", permission: "create:token-award:any" },
    query: awardListQuerySchema,
    responses: { 200: { description: "The requests.", schema: z.object({ items: z.array(tokenAwardRequestShape) }) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      { name: "ok", summary: "Pending requests", as: "admin", query: { status: "pending" }, status: 200, response: { items: [TOKEN_AWARD_REQUEST_EXAMPLE] } },
      { name: "forbidden", summary: "Not an admin", as: "student", status: 403, response: FORBIDDEN },
    ],
  },
});
