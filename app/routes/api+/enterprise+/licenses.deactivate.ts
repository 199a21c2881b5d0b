import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { clientIp } from "~/modules/auth/auth.server";
import { deactivateMachineByToken, toPublicMachine } from "~/modules/licensing/licenses.server";
import { publicEndpoint } from "~/modules/licensing/validate.server";
import { methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/deactivate {machineToken} — frees the machine's slot; idempotent.
 * Only the token activation returned can do it (a key and a fingerprint are not enough), and it is
 * rate-limited per license and per client. Organization admins deactivate any machine on the dashboard.
 */
export const action = ({ request, context }: ActionFunctionArgs) =>
  publicEndpoint(context.app, request, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    const { machine, deactivated } = await deactivateMachineByToken(context.app, await readJson(request), { ip: clientIp(request) ?? "unknown" });
    return { body: { deactivated, machine: toPublicMachine(machine) } };
  });
