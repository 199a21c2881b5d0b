import * as z from "zod";
import { awardDecisionSchema } from "~/modules/tokens/admin-awards.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { TOKEN_AWARD_REQUEST_EXAMPLE, TOKEN_ENTRY_EXAMPLE, tokenAwardRequestShape, tokenEntryShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/tokens/awards/{requestId}", {
  post: {
    capability: "Tokens",
    summary: "Approve or reject a pending award (a second admin)",
    description:
      "`approve` credits the tokens once (concurrent approvals credit once; approving again after a lost answer finishes the credit and answers the same). " +
      "Only an admin who neither asked for the award nor receives it may approve (403 otherwise); the requester may `reject` (withdraw) it. " +
      "A decision on an award already decided the other way is 409 `conflict` with `details.status`. Audited (`tokens.award_approved`, `tokens.award_rejected`, `tokens.admin_adjusted`).",
    auth: { kind: "signed_in", permission: "create:token-award:any" },
    params: z.object({ requestId: z.string().meta({ example: "tar_01jdxa7q2m3n4p5r6s7t8v9w0x" }) }),
    body: { schema: awardDecisionSchema },
    responses: {
      200: {
        description: "The request after the decision, and the wallet entry an approval wrote (null for a rejection).",
        schema: z.object({ request: tokenAwardRequestShape, entry: tokenEntryShape.nullable() }),
      },
    },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict"] },
    examples: [
      {
        name: "ok",
        summary: "Approve another admin's award",
        as: "admin",
        params: { requestId: "tar_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { decision: "approve" },
        status: 200,
        response: {
          request: { ...TOKEN_AWARD_REQUEST_EXAMPLE, status: "approved", decidedBy: "usr_01jdxa7q2m3n4p5r6s7t8v9w0z", decidedAt: 1795760000000, entryId: "ttx_01jdxa7q2m3n4p5r6s7t8v9w0x" },
          entry: {
            ...TOKEN_ENTRY_EXAMPLE,
            type: "admin_adjust",
            amount: 5000,
            balanceAfter: 5260,
            reason: "Hackathon winner",
            ref: null,
            userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x",
            sourceKey: "admin_award:tar_01jdxa7q2m3n4p5r6s7t8v9w0x",
          },
        },
      },
      {
        name: "unknown",
        summary: "No such request",
        as: "admin",
        params: { requestId: "tar_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { decision: "approve" },
        status: 404,
        response: errorExample("not_found", "Award request not found."),
      },
    ],
  },
});
