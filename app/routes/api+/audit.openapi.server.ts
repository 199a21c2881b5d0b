import * as z from "zod";
import { auditFilterSchema } from "~/modules/audit/audit.server";
import { defineRoute, FORBIDDEN, idOf, page, timestamp } from "~/modules/openapi/define.server";

export default defineRoute("/api/audit", {
  get: {
    capability: "Account",
    summary: "Read the audit log (admin)",
    description: "Sensitive operations (refunds, role changes, API keys, ...): who, what, target, when, request id. `from`/`to` are UTC days.",
    auth: { kind: "signed_in", permission: "read:audit-log:any" },
    paginated: true,
    query: auditFilterSchema,
    responses: {
      200: {
        description: "A page of audit records.",
        schema: page(
          z.object({
            id: idOf("aud"),
            actorId: z.string().nullable(),
            action: z.string(),
            targetType: z.string(),
            targetId: z.string().nullable(),
            metadata: z.record(z.string(), z.unknown()),
            requestId: z.string().nullable(),
            createdAt: timestamp,
          }),
        ),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      {
        name: "ok",
        summary: "Role changes",
        as: "admin",
        query: { action: "user.role_changed", limit: "10" },
        status: 200,
        response: {
          items: [
            {
              id: "aud_01jdxa7q2m3n4p5r6s7t8v9w0x",
              actorId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0y",
              action: "user.role_changed",
              targetType: "user",
              targetId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x",
              metadata: { from: "student", to: "instructor" },
              requestId: "req_01jdxa7q2m3n4p5r6s7t8v9w0z",
              createdAt: 1795750000000,
            },
          ],
          nextCursor: null,
        },
      },
      { name: "forbidden", summary: "Not an admin", as: "student", status: 403, response: FORBIDDEN },
    ],
  },
});
