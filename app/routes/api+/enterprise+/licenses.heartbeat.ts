import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { clientIp } from "~/modules/auth/auth.server";
import { machineHeartbeat, toPublicMachine } from "~/modules/licensing/licenses.server";
import { publicEndpoint } from "~/modules/licensing/validate.server";
import { methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/heartbeat {machineToken} — the machine is alive; under a heartbeat
 * policy it stays so until `machine.heartbeatDeadline`. 422 `HEARTBEAT_DEAD` once it missed that
 * (its slot was freed; activate again), 404 `NO_MACHINE` for an unknown or deactivated token.
 */
export const action = ({ request, context }: ActionFunctionArgs) =>
  publicEndpoint(context.app, request, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    const { machine, license } = await machineHeartbeat(context.app, await readJson(request), { ip: clientIp(request) ?? "unknown" });
    return { body: { machine: toPublicMachine(machine, license) } };
  });
