import { data } from "@remix-run/cloudflare";
import type { ConfirmStep } from "~/components/confirm";

/** The field a destructive form must carry, with this value, for the server to act. */
export const CONFIRM_FIELD = "confirm";
export const CONFIRM_VALUE = "yes";

/** True only for the second POST, the one sent from the confirmation step. */
export function isConfirmed(form: FormData) {
  return form.get(CONFIRM_FIELD) === CONFIRM_VALUE;
}

/**
 * The first POST of a destructive action (refund, cancel, delete, unpublish, revoke …) acts on
 * nothing: it answers with this confirmation step, which the page shows as a section with the
 * consequences spelled out and Confirm / Back. Confirm re-posts the same fields plus
 * `confirm=yes`. Works the same with and without JavaScript; the server never acts without it.
 */
export function askToConfirm(form: FormData, step: Omit<ConfirmStep, "fields">) {
  const fields: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === "string" && key !== "csrf" && key !== CONFIRM_FIELD) fields[key] = value;
  return data({ confirm: { ...step, fields } satisfies ConfirmStep });
}
