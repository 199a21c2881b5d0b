import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { activateMachine, toPublicLicense, toPublicMachine } from "~/modules/licensing/licenses.server";
import { publicEndpoint } from "~/modules/licensing/validate.server";
import { methodNotAllowed, readJson } from "~/utils/api.server";
import { clientIp } from "~/modules/auth/auth.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/activate {key, fingerprint, name?} — authenticated by the license
 * key itself (no cookies; CORS). 201 with the machine and its `machineToken` (shown once; needed to
 * deactivate and send heartbeats), 409 `FINGERPRINT_TAKEN` while that fingerprint is active, 422
 * `TOO_MANY_MACHINES` past the limit, 403 with the validation code for keys that cannot activate,
 * 429 past the per-license or per-client limit.
 */
export const action = ({ request, context }: ActionFunctionArgs) =>
  publicEndpoint(context.app, request, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    const { license, machine, created, machineToken } = await activateMachine(context.app, await readJson(request), { ip: clientIp(request) ?? "unknown" });
    return { status: created ? 201 : 200, body: { created, machine: toPublicMachine(machine, license), machineToken, license: toPublicLicense(license) } };
  });
