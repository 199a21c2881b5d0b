import { and, eq, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { PaymentPurpose } from "~/modules/payments/purposes";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { TIERS } from "~/modules/subscriptions/tiers";
import { enrollments } from "~drizzle/schema";
import { findEnrollment, isPurchasable, recountEnrollments, setPaymentEnrollments } from "./access.server";
import { courseIdSchema, findCourse, type Course } from "./courses.server";
import { activeSale } from "./sales";
import { breakdownMetadata, priceBreakdown } from "./price-breakdown";
import { courseEvidence, notifyInstructorOfDispute } from "./disputes.server";
import { chargeDisputeFee, disputeEarning, reinstateDisputedEarning, reverseEarning, saleEntry } from "./earnings.server";

/** The `course_purchase` fields of POST /api/payments/process. */
export const quoteInputSchema = z.object({ courseId: courseIdSchema });

export type PricedCourse = Pick<Course, "priceAmount" | "currency" | "salePriceAmount" | "saleStartsAt" | "saleEndsAt">;

/**
 * The price breakdown for this viewer as pages show it (price-breakdown.ts): the list price, the
 * tier discount (anonymous visitors: none) and the course's sale if one runs now (sales.ts). The
 * tier comes from the entitlement, never from subscriptions directly. In a payment the quote takes
 * the tier step only (`amount` is `afterTier`); the promotion step (sale or code) and tokens follow
 * in the payment hooks, in the breakdown's order (capability.server.ts).
 */
export async function priceFor(app: AppContext, userId: string | null, course: PricedCourse) {
  const config = TIERS[userId ? (await getEntitlement(app, userId)).tier : "free"];
  const breakdown = priceBreakdown({ listPrice: course.priceAmount, currency: course.currency as Currency, tierBps: config.limits.courseDiscountBps, sale: activeSale(course, now()) });
  return { amount: breakdown.afterTier, discountBps: breakdown.tierBps, tierName: config.name, breakdown };
}

/**
 * The `course_purchase` payment purpose. The payments capability calls `quote` when a learner
 * buys, `fulfil` once Stripe confirms the payment (webhook), and `reverse` after a refund.
 */
export const coursePurchasePurpose: PaymentPurpose = {
  inputSchema: quoteInputSchema,
  async quote(app, user, input) {
    const { courseId } = parseOrThrow(quoteInputSchema, input);
    const course = await findCourse(app, courseId);
    if (!course || !isPurchasable(course)) throw AppError.notFound("Course");
    if (course.instructorId === user.id) throw new AppError("conflict", "You teach this course; you already have access.");
    if (course.priceAmount === 0) throw new AppError("conflict", "This course is free; enroll without paying.");
    const enrollment = await findEnrollment(app, course.id, user.id);
    if (enrollment?.status === "active") throw new AppError("conflict", "You are already enrolled in this course.");
    if (enrollment?.status === "suspended") {
      throw new AppError("conflict", "Your access to this course is paused while your bank's dispute of your payment is open. It comes back if the dispute closes in our favour.");
    }
    const price = await priceFor(app, user.id, course);
    return {
      amount: price.amount,
      currency: course.currency as Currency,
      description: `Course: ${course.title}`.slice(0, 200),
      purposeRef: course.id,
      // The tier step's part of the breakdown; the promotion hook adds the sale's or the code's.
      metadata: { courseId: course.id, instructorId: course.instructorId, ...breakdownMetadata({ ...price.breakdown, sale: null, coupon: null }, price.discountBps ? price.tierName : undefined) },
    };
  },

  /**
   * Grants access and records the 70/30 earning on `payment.amount - payment.taxAmount` (what was
   * actually paid, net of tax).
   * Idempotent: the enrollment is re-activated only if revoked, and the sale entry is keyed by the
   * payment id, so a redelivered success writes nothing; a second payment for an enrollment another
   * payment already granted books no sale and is reported as a duplicate (payments refunds it).
   */
  async fulfil(app, payment) {
    const course = await findCourse(app, payment.purposeRef);
    if (!course) {
      app.logger.error("marketplace.fulfil_unknown_course", { paymentId: payment.id, courseId: payment.purposeRef });
      throw AppError.notFound("Course");
    }
    const t = now();
    // The enrollment names the payment that granted it: only a revoked one is taken over, so when
    // two payments for the same course both succeed, one wins and the other is a duplicate.
    await app.db.batch([
      app.db
        .insert(enrollments)
        .values({
          id: createId("enrollment"),
          courseId: course.id,
          userId: payment.userId,
          status: "active",
          source: "purchase",
          paymentId: payment.id,
          amountPaid: payment.amount,
          currency: payment.currency,
          createdAt: t,
          updatedAt: t,
        })
        .onConflictDoUpdate({
          target: [enrollments.courseId, enrollments.userId],
          set: { status: "active", source: "purchase", paymentId: payment.id, amountPaid: payment.amount, currency: payment.currency, revokedAt: null, updatedAt: t },
          setWhere: sql`${enrollments.status} = 'revoked'`,
        }),
      recountEnrollments(app.db, course.id),
    ]);
    const enrollment = await findEnrollment(app, course.id, payment.userId);
    if (enrollment?.paymentId !== payment.id) {
      app.logger.warn("marketplace.duplicate_purchase", { paymentId: payment.id, courseId: course.id, userId: payment.userId, grantedBy: enrollment?.paymentId ?? null });
      return "duplicate";
    }
    // The split is of what was paid net of tax (docs/tax.md): the tax is the state's, never earned.
    await saleEntry(app.db, { instructorId: course.instructorId, courseId: course.id, paymentId: payment.id, amount: payment.amount - (payment.taxAmount ?? 0), currency: payment.currency, at: t }).run();
    app.logger.info("marketplace.purchase_fulfilled", { paymentId: payment.id, courseId: course.id, userId: payment.userId, amount: payment.amount, currency: payment.currency });
  },

  /**
   * A full refund (amountRefunded ≥ amount) revokes the access this payment granted. The earning is
   * reversed only while the sale is inside its 30-day hold (partial refunds proportionally, see
   * `reverseEarning`); after the hold the platform absorbs the refund. Idempotent per refund id.
   */
  async reverse(app, payment, refund) {
    const full = payment.amountRefunded >= payment.amount;
    const statements = [];
    if (full) {
      statements.push(
        app.db
          .update(enrollments)
          .set({ status: "revoked", revokedAt: now(), updatedAt: now() })
          .where(and(eq(enrollments.paymentId, payment.id), eq(enrollments.status, "active"))),
        recountEnrollments(app.db, payment.purposeRef),
      );
      await app.db.batch(statements as [any, ...any[]]);
    }
    // The refund's tax goes back to the buyer from the tax collected, not from the earning.
    const outcome = await reverseEarning(app, { paymentId: payment.id, refundId: refund.id, refundAmount: refund.amount - (refund.taxAmount ?? 0) });
    app.logger.info("marketplace.purchase_reversed", { paymentId: payment.id, refundId: refund.id, amount: refund.amount, full, earning: outcome });
  },

  /**
   * A dispute of the purchase (policy: payments/disputes-policy.ts). Opened: the enrollment this
   * payment granted is suspended and the earning frozen (still held) or recovered (paid out). Won:
   * the enrollment is active again and the earning reinstated. Lost: as a full refund, the
   * enrollment is revoked and the earning stays reversed (booked now if it never opened), plus the
   * fee when the instructor bears it. Each step is idempotent per dispute.
   */
  disputeEvidence: courseEvidence,

  async dispute(app, payment, dispute) {
    const log = app.logger.child({ paymentId: payment.id, disputeId: dispute.id, courseId: payment.purposeRef, userId: payment.userId });
    if (dispute.stage === "opened") {
      if (dispute.policy.suspendAccessWhileOpen) await setPaymentEnrollments(app.db, payment.id, [payment.purposeRef], ["active"], "suspended");
      const earning = dispute.policy.freezeOrRecoverEarning ? await disputeEarning(app, { paymentId: payment.id, disputeId: dispute.id }) : null;
      log.info("marketplace.purchase_disputed", { earning: earning?.outcome ?? "kept", instructorAmount: earning?.instructorAmount ?? 0 });
      if (earning && earning.outcome !== "no_sale" && earning.outcome !== "nothing_left") await notifyInstructorOfDispute(app, payment, dispute, earning);
      return;
    }
    if (dispute.stage === "won") {
      await setPaymentEnrollments(app.db, payment.id, [payment.purposeRef], ["suspended"], "active");
      const earning = await reinstateDisputedEarning(app, { paymentId: payment.id, disputeId: dispute.id });
      log.info("marketplace.dispute_won", { earning });
      return;
    }
    // Lost: a full refund's reversal, and the earning entry if the dispute never opened here.
    await setPaymentEnrollments(app.db, payment.id, [payment.purposeRef], ["active", "suspended"], "revoked");
    const earning = await disputeEarning(app, { paymentId: payment.id, disputeId: dispute.id });
    const fee = dispute.policy.feeBearer === "instructor" ? await chargeDisputeFee(app, { paymentId: payment.id, disputeId: dispute.id, fee: dispute.fee }) : "platform";
    log.info("marketplace.dispute_lost", { earning: earning.outcome, fee });
  },
};
