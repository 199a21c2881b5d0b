import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { json, preflight, validateLicense } from "~/modules/licensing/validate.server";

/**
 * GET /api/enterprise/licenses/validate?key=…[&fingerprint=…][&feature=…][&scope=org_…], or POST
 * with the same fields as a JSON body — called by customers' software from anywhere (CORS, no
 * cookies). Answers 200 with `valid` and a code for any key string (docs/licensing.md#validation-codes),
 * 400 without a key, 429 with Retry-After when rate-limited. The Worker entry serves this path
 * before Remix (workers/app.ts) for speed; this route is the same handler for requests that reach Remix.
 */
export const loader = ({ request, context }: LoaderFunctionArgs) => validateLicense(context.app, request);

export const action = ({ request, context }: ActionFunctionArgs) =>
  request.method === "OPTIONS"
    ? preflight()
    : request.method === "POST"
      ? validateLicense(context.app, request)
      : json(context.app, { error: { code: "method_not_allowed", message: "Use GET or POST." } }, 405);
