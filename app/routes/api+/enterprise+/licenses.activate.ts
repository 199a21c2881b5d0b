import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { activateMachine, toPublicLicense, toPublicMachine } from "~/modules/licensing/licenses.server";
import { publicEndpoint } from "~/modules/licensing/validate.server";
import { methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/activate {key, fingerprint, name?} — authenticated by the license
 * key itself (no cookies; CORS). 201 for a new machine, 200 when this fingerprint is already
 * active (idempotent), 422 `TOO_MANY_MACHINES` past the limit, 403 with the validation code for
 * keys that cannot activate (INVALID_KEY, SUSPENDED, EXPIRED, REVOKED …).
 */
export const action = ({ request, context }: ActionFunctionArgs) =>
  publicEndpoint(context.app, request, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    const { license, machine, created } = await activateMachine(context.app, await readJson(request));
    return { status: created ? 201 : 200, body: { created, machine: toPublicMachine(machine), license: toPublicLicense(license) } };
  });
