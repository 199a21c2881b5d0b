import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { deactivateMachineByKey, toPublicMachine } from "~/modules/licensing/licenses.server";
import { publicEndpoint } from "~/modules/licensing/validate.server";
import { methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** POST /api/enterprise/licenses/deactivate {key, fingerprint} — frees the machine's slot; idempotent. */
export const action = ({ request, context }: ActionFunctionArgs) =>
  publicEndpoint(context.app, request, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    const { machine, deactivated } = await deactivateMachineByKey(context.app, await readJson(request));
    return { body: { deactivated, machine: toPublicMachine(machine) } };
  });
