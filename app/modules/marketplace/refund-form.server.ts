import { data } from "@remix-run/cloudflare";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { hasPermission } from "~/modules/auth/permissions";
import { findPayment } from "~/modules/payments/records.server";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { formatMoney, type Currency } from "~/utils/money";
import type { FormResult } from "~/utils/forms.server";
import { requestRefund } from "./refund-requests.server";

/** The refund intents of the course page and the receipt (same fields, same answers). */
export const REFUND_INTENTS = ["refund-request", "refund-review"] as const;
const refundFormSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("refund-request"), paymentId: z.string(), reason: z.string().optional(), review: z.literal("yes").optional() }),
  z.object({ intent: z.literal("refund-review"), paymentId: z.string(), note: z.string().optional() }),
]);

export const isRefundIntent = (intent: unknown) => (REFUND_INTENTS as readonly unknown[]).includes(intent);

/**
 * Handles a refund form: the first POST of "refund-request" only answers with a confirmation step
 * (what is refunded, that access ends); the confirmed POST asks the policy. Throws AppErrors for the
 * page's `formError`.
 */
export async function refundFormAction(app: AppContext, user: SessionUser, form: FormData) {
  if (!hasPermission(user, "create:refund:own")) throw AppError.forbidden();
  const input = parseOrThrow(refundFormSchema, Object.fromEntries(form));
  if (input.intent === "refund-review") {
    const { request } = await requestRefund(app, user, { paymentId: input.paymentId, review: true, ...(input.note?.trim() ? { reason: input.note } : {}) });
    return data<FormResult>({ ok: request.status === "in_review" ? "Sent to our team for review. We will reply by email." : "This request was already answered." });
  }
  const reason = input.reason?.trim() ? input.reason : undefined;
  if (!isConfirmed(form)) {
    const payment = await findPayment(app, { id: input.paymentId });
    if (!payment || payment.userId !== user.id) throw AppError.notFound("Payment");
    const left = payment.amount - payment.amountRefunded - payment.amountRefundPending;
    if (left <= 0) throw new AppError("conflict", "This payment has already been fully refunded.");
    const money = formatMoney(left, payment.currency as Currency);
    return askToConfirm(form, {
      title: `Ask for a refund of ${money}?`,
      body: input.review
        ? `Your request for “${payment.description}” goes to our team, who reply by email. If they approve it, ${money} goes back to your card and your access to the course ends.`
        : `If the refund policy allows it, ${money} for “${payment.description}” goes back to your card at once and your access to the course ends. If not, you will see why and can send the request to our team.`,
      confirmLabel: input.review ? "Send the request" : `Ask for ${money} back`,
      pendingLabel: "Asking…",
    });
  }
  const outcome = await requestRefund(app, user, { paymentId: input.paymentId, ...(reason ? { reason } : {}), ...(input.review ? { review: true } : {}) });
  const { request, refund } = outcome;
  const money = formatMoney(request.amount, request.currency as Currency);
  const ok =
    request.status === "granted" || request.status === "approved"
      ? refund?.status === "succeeded"
        ? `Refunded: ${money} goes back to your card. Your access to the course has ended.`
        : `Your refund of ${money} is granted and being processed.`
      : request.status === "in_review"
        ? "Sent to our team for review. We will reply by email."
        : request.status === "refused"
          ? undefined // the refund section says why, with the form that sends it to review
          : request.status === "declined"
            ? "Our team already declined this request."
            : "The refund could not be made. You can ask again.";
  return data<FormResult>({ ok });
}
