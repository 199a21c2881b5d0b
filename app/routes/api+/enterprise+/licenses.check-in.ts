import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { clientIp } from "~/modules/auth/auth.server";
import { checkInLicense, toPublicLicense } from "~/modules/licensing/licenses.server";
import { publicEndpoint } from "~/modules/licensing/validate.server";
import { methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/check-in {key} — the license is in touch: under a check-in policy
 * validation answers OVERDUE after `nextCheckInBefore`. Authenticated by the key (no cookies; CORS);
 * rate-limited per license and per client; 403 with the validation code for keys that cannot act.
 */
export const action = ({ request, context }: ActionFunctionArgs) =>
  publicEndpoint(context.app, request, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    const { license, checkedInAt, nextCheckInBefore } = await checkInLicense(context.app, await readJson(request), { ip: clientIp(request) ?? "unknown" });
    return { body: { checkedInAt, nextCheckInBefore, license: toPublicLicense(license) } };
  });
