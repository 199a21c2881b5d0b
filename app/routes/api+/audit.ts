import { auditFilterSchema, listAudit } from "~/modules/audit/audit.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { parseOrThrow } from "~/utils/errors";

/** GET /api/audit?action=&actorId=&targetId=&from=&to=&cursor=&limit= — admins only. */
export const loader = api(async ({ request, app }) => {
  await requireUserWithPermission(app, request, "read:audit-log:any");
  return listAudit(app, parseOrThrow(auditFilterSchema, Object.fromEntries(new URL(request.url).searchParams)));
});

export const action = methodNotAllowed;
