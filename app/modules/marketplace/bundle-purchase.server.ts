import { and, eq, inArray, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { notifyUser } from "~/modules/email/email.server";
import type { PaymentForPurpose, PaymentPurpose } from "~/modules/payments/purposes";
import { findPayment } from "~/modules/payments/records.server";
import { refundReservationStatements, sendReservedRefund } from "~/modules/payments/refunds.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { bundlePurchaseItems, bundleRefundParts, courses, enrollments } from "~drizzle/schema";
import { recountEnrollments, setPaymentEnrollments } from "./access.server";
import { paidShares, spreadRefund } from "./bundle-pricing";
import { bundleIdSchema, findBundle, getBundleOfferForBuyer } from "./bundles.server";
import { notifyInstructorsOfBundleDispute } from "./disputes.server";
import { chargeDisputeFee, disputeEarning, reinstateDisputedEarning, reverseEarning, saleEntry, type DisputeEarningOutcome } from "./earnings.server";

/*
 * The `bundle_purchase` payment purpose (decision 014). One payment, one Checkout Session, for the
 * courses of the bundle the learner does not own yet. The quote records which courses it pays for
 * and each one's share (payment metadata `items`); fulfilment enrolls in all of them in one batch,
 * records each course's share of what was paid (`bundle_purchase_items`) and books one sale per
 * course; refunds are spread over the courses (`bundle_refund_parts`) and reversed per course.
 *
 * Races: a course that another payment (a single-course purchase, or a second bundle) granted
 * between the quote and the fulfilment is an *overlap*: this payment does not take the enrollment
 * (first payment wins, as for courses), books no sale for it and refunds that course's share at
 * once — one refund per payment and course, guarded in the reservation's own batch and by a unique
 * index. A single-course payment that finds the course granted by a bundle is a duplicate and is
 * refunded in full by payments, as before. So a course is never paid for twice.
 */

export const bundleQuoteInputSchema = z.object({ bundleId: bundleIdSchema });

type Item = { courseId: string; listPrice: number; share: number };

/** `crs_…:listPrice:share,…` in the payment's metadata (ours only; Stripe never sees it). */
const encodeItems = (items: Item[]) => items.map((i) => `${i.courseId}:${i.listPrice}:${i.share}`).join(",");
const itemsSchema = z
  .string()
  .min(1)
  .transform((s) =>
    s.split(",").map((part) => {
      const [courseId, listPrice, share] = part.split(":");
      return { courseId: courseId ?? "", listPrice: Number(listPrice), share: Number(share) };
    }),
  )
  .pipe(z.array(z.object({ courseId: z.string().regex(/^crs_[0-9a-z]{26}$/), listPrice: z.number().int().nonnegative(), share: z.number().int().nonnegative() })).min(1));

export function itemsOf(payment: Pick<PaymentForPurpose, "metadata" | "id">): Item[] {
  const parsed = itemsSchema.safeParse(payment.metadata.items);
  if (!parsed.success) throw new Error(`Bundle payment ${payment.id} has no valid items in its metadata.`);
  return parsed.data;
}

export const bundlePurchasePurpose: PaymentPurpose = {
  inputSchema: bundleQuoteInputSchema,
  ownsReceipt: true,

  /**
   * The bundle price less the shares of the courses the learner already owns (or teaches), never
   * below zero; everything owned → 409, nothing is bought. No tier discount, promotion code or
   * tokens on top: the bundle price is the bundle's discount (decision 014).
   */
  async quote(app, user, input) {
    const { bundleId } = parseOrThrow(bundleQuoteInputSchema, input);
    const found = await getBundleOfferForBuyer(app, user, bundleId);
    if (!found) throw AppError.notFound("Bundle");
    const { bundle, offer } = found;
    if (!offer.available) throw new AppError("conflict", "This bundle is not on sale right now: one of its courses is no longer available.");
    if (offer.allOwned) throw new AppError("conflict", "You already own every course in this bundle.", { details: { reason: "already_owned" } });
    const payFor = offer.courses.filter((c) => !c.owned);
    if (offer.amount <= 0) throw new AppError("conflict", "The courses you do not own yet have no share of this bundle's price; there is nothing to pay.");
    return {
      amount: offer.amount,
      currency: bundle.currency as Currency,
      description: `Bundle: ${bundle.title}`.slice(0, 200),
      purposeRef: bundle.id,
      metadata: {
        bundleId: bundle.id,
        listPrice: String(bundle.priceAmount),
        ownedCredit: String(offer.ownedCredit),
        ownedCourseIds: offer.courses.filter((c) => c.owned).map((c) => c.id).join(","),
        items: encodeItems(payFor.map((c) => ({ courseId: c.id, listPrice: c.listPrice, share: c.share }))),
      },
    };
  },

  async fulfil(app, payment) {
    const log = app.logger.child({ paymentId: payment.id, bundleId: payment.purposeRef, userId: payment.userId });
    const items = itemsOf(payment);
    const ids = items.map((i) => i.courseId);
    const courseRows = await app.db.select({ id: courses.id, title: courses.title, instructorId: courses.instructorId }).from(courses).where(inArray(courses.id, ids)).all();
    const courseOf = new Map(courseRows.map((c) => [c.id, c]));
    if (courseOf.size !== ids.length) throw AppError.notFound("Course");
    const paid = paidShares(payment.amount, items);
    const t = now();
    // Every enrollment in one batch. Each names this payment unless another payment already holds
    // it (only a revoked enrollment is taken over): first payment wins, course by course.
    await app.db.batch([
      ...items.map((item, i) =>
        app.db
          .insert(enrollments)
          .values({ id: createId("enrollment"), courseId: item.courseId, userId: payment.userId, status: "active", source: "purchase", paymentId: payment.id, amountPaid: paid[i]!, currency: payment.currency, createdAt: t, updatedAt: t })
          .onConflictDoUpdate({
            target: [enrollments.courseId, enrollments.userId],
            set: { status: "active", source: "purchase", paymentId: payment.id, amountPaid: paid[i]!, currency: payment.currency, revokedAt: null, updatedAt: t },
            setWhere: sql`${enrollments.status} = 'revoked'`,
          }),
      ),
      ...ids.map((id) => recountEnrollments(app.db, id)),
    ] as unknown as Parameters<typeof app.db.batch>[0]);
    const held = await app.db
      .select({ courseId: enrollments.courseId, paymentId: enrollments.paymentId })
      .from(enrollments)
      .where(and(eq(enrollments.userId, payment.userId), inArray(enrollments.courseId, ids)))
      .all();
    const grantedBy = new Map(held.map((e) => [e.courseId, e.paymentId]));
    const rows = items.map((item, i) => ({
      paymentId: payment.id,
      courseId: item.courseId,
      bundleId: payment.purposeRef,
      instructorId: courseOf.get(item.courseId)!.instructorId,
      listPrice: item.listPrice,
      share: paid[i]!,
      currency: payment.currency,
      outcome: grantedBy.get(item.courseId) === payment.id ? ("granted" as const) : ("overlap" as const),
      createdAt: t,
    }));
    // The items (first write wins: a redelivery computes the same rows) and one sale per granted course.
    const granted = rows.filter((r) => r.outcome === "granted");
    await app.db.batch([
      app.db.insert(bundlePurchaseItems).values(rows).onConflictDoNothing(),
      ...granted
        .filter((r) => r.share > 0)
        .map((r) => saleEntry(app.db, { instructorId: r.instructorId, courseId: r.courseId, paymentId: payment.id, amount: r.share, currency: payment.currency, at: t, perCourse: true })),
    ] as unknown as Parameters<typeof app.db.batch>[0]);
    // What is recorded decides (a concurrent run may have written first).
    const recorded = await app.db.select().from(bundlePurchaseItems).where(eq(bundlePurchaseItems.paymentId, payment.id)).all();
    const recordedGranted = recorded.filter((r) => r.outcome === "granted");
    if (recordedGranted.length === 0) {
      log.warn("marketplace.duplicate_bundle_purchase", { courses: ids.length });
      return "duplicate";
    }
    const overlap = recorded.filter((r) => r.outcome === "overlap");
    const overlapRefunded = overlap.length ? await refundOverlap(app, payment, overlap) : 0;
    log.info("marketplace.bundle_purchase_fulfilled", { amount: payment.amount, currency: payment.currency, granted: recordedGranted.length, overlap: overlap.length, overlapRefunded });
    const titles = recordedGranted.map((r) => courseOf.get(r.courseId)?.title ?? r.courseId);
    const bundle = await findBundle(app, payment.purposeRef);
    await notifyUser(app, payment.userId, {
      template: "bundle-receipt",
      idempotencyKey: `bundle-receipt/${payment.id}`,
      data: (user) => ({
        name: user.name,
        bundle: bundle?.title ?? "Course bundle",
        amount: payment.amount,
        currency: payment.currency,
        ownedCredit: Number(payment.metadata.ownedCredit ?? 0),
        courses: titles,
        refundedOverlap: overlapRefunded,
        paidAt: t,
        paymentId: payment.id,
        receiptUrl: `${app.config.APP_URL}/account/payments/${payment.id}`,
        learningUrl: `${app.config.APP_URL}/learning`,
      }),
    });
  },

  /**
   * Spreads the refund over the courses still paid for (by what is left of each share, largest
   * remainder; an overlap's refund has its parts already), reverses each course's earning with its
   * part (within the hold, as for courses) and ends access to each course nothing is left of — all
   * of them after a full refund. Idempotent per refund id: the parts are written once (primary key,
   * and only if no other refund's parts changed since they were read), the reversals are keyed
   * `reversal:<refundId>:<courseId>`.
   */
  async reverse(app, payment, refund) {
    const log = app.logger.child({ paymentId: payment.id, refundId: refund.id, bundleId: payment.purposeRef });
    const items = await app.db.select().from(bundlePurchaseItems).where(eq(bundlePurchaseItems.paymentId, payment.id)).all();
    if (items.length === 0) {
      log.warn("marketplace.bundle_reverse_without_items", { amount: refund.amount });
      return;
    }
    const granted = items.filter((i) => i.outcome === "granted");
    let parts = await app.db.select().from(bundleRefundParts).where(eq(bundleRefundParts.paymentId, payment.id)).all();
    for (let attempt = 0; attempt < 3 && !parts.some((p) => p.refundId === refund.id); attempt++) {
      const before = parts.reduce((a, p) => a + p.amount, 0);
      const remaining = granted.map((g) => g.share - parts.filter((p) => p.courseId === g.courseId).reduce((a, p) => a + p.amount, 0));
      const spread = spreadRefund(refund.amount, remaining);
      const t = now();
      const inserts = granted
        .map((g, i) => ({ g, amount: spread[i]! }))
        .filter((x) => x.amount > 0)
        .map(({ g, amount }) =>
          // Written only while no other refund's parts changed since they were read: the batch is
          // one transaction, so either every part of this refund is written or none is.
          app.db
            .insert(bundleRefundParts)
            .select(
              sql`SELECT ${refund.id}, ${payment.id}, ${g.courseId}, 'refund', ${amount}, ${t}
                  WHERE (SELECT coalesce(sum(amount), 0) FROM bundle_refund_parts WHERE payment_id = ${payment.id} AND refund_id <> ${refund.id}) = ${before}`,
            )
            .onConflictDoNothing(),
        );
      if (inserts.length === 0) break; // nothing left to spread over (everything already refunded)
      await app.db.batch(inserts as unknown as Parameters<typeof app.db.batch>[0]);
      parts = await app.db.select().from(bundleRefundParts).where(eq(bundleRefundParts.paymentId, payment.id)).all();
    }
    const mine = parts.filter((p) => p.refundId === refund.id);
    const grantedIds = new Set(granted.map((g) => g.courseId));
    const earnings: Record<string, string> = {};
    for (const part of mine) {
      if (!grantedIds.has(part.courseId)) continue; // an overlap: no sale was booked for it
      earnings[part.courseId] = await reverseEarning(app, { paymentId: payment.id, refundId: refund.id, refundAmount: part.amount, courseId: part.courseId });
    }
    // Access ends for each course nothing is left of.
    const emptied = granted.filter((g) => g.share - parts.filter((p) => p.courseId === g.courseId).reduce((a, p) => a + p.amount, 0) <= 0).map((g) => g.courseId);
    const fullyRefunded = payment.amountRefunded >= payment.amount;
    const revoke = fullyRefunded ? [...grantedIds] : emptied;
    if (revoke.length) {
      const t = now();
      await app.db.batch([
        app.db
          .update(enrollments)
          .set({ status: "revoked", revokedAt: t, updatedAt: t })
          .where(and(eq(enrollments.paymentId, payment.id), inArray(enrollments.courseId, revoke), eq(enrollments.status, "active"))),
        ...revoke.map((id) => recountEnrollments(app.db, id)),
      ] as unknown as Parameters<typeof app.db.batch>[0]);
    }
    log.info("marketplace.bundle_purchase_reversed", { amount: refund.amount, parts: mine.length, revoked: revoke.length, earnings });
  },

  /**
   * A chargeback of a bundle (policy: payments/disputes-policy.ts; decision 014), course by course
   * over the courses this payment granted. Opened: every such enrollment is suspended and each
   * course's earning frozen (its sale still held) or recovered (already paid out), and each
   * instructor told once. Won: the enrollments are active again and each earning reinstated. Lost:
   * as a full bundle refund, every enrollment is revoked and each course's earning stays reversed
   * (booked now if the dispute never opened here), plus the fee spread over the courses by share
   * when the instructors bear it. Each step is idempotent per dispute and course.
   */
  async dispute(app, payment, dispute) {
    const log = app.logger.child({ paymentId: payment.id, disputeId: dispute.id, bundleId: payment.purposeRef, userId: payment.userId });
    const granted = await app.db
      .select()
      .from(bundlePurchaseItems)
      .where(and(eq(bundlePurchaseItems.paymentId, payment.id), eq(bundlePurchaseItems.outcome, "granted")))
      .orderBy(bundlePurchaseItems.courseId)
      .all();
    if (granted.length === 0) return;
    const ids = granted.map((g) => g.courseId);
    const each = async <T>(fn: (courseId: string) => Promise<T>) => {
      const out: Record<string, T> = {};
      for (const id of ids) out[id] = await fn(id);
      return out;
    };
    const outcomes = (earnings: Record<string, DisputeEarningOutcome>) => Object.fromEntries(Object.entries(earnings).map(([id, e]) => [id, e.outcome]));
    if (dispute.stage === "opened") {
      if (dispute.policy.suspendAccessWhileOpen) await setPaymentEnrollments(app.db, payment.id, ids, ["active"], "suspended");
      if (!dispute.policy.freezeOrRecoverEarning) return;
      const earnings = await each((courseId) => disputeEarning(app, { paymentId: payment.id, disputeId: dispute.id, courseId }));
      log.info("marketplace.bundle_disputed", { courses: ids.length, earnings: outcomes(earnings) });
      await notifyInstructorsOfBundleDispute(app, payment, dispute, granted, earnings);
      return;
    }
    if (dispute.stage === "won") {
      await setPaymentEnrollments(app.db, payment.id, ids, ["suspended"], "active");
      const earnings = await each((courseId) => reinstateDisputedEarning(app, { paymentId: payment.id, disputeId: dispute.id, courseId }));
      log.info("marketplace.bundle_dispute_won", { courses: ids.length, earnings });
      return;
    }
    await setPaymentEnrollments(app.db, payment.id, ids, ["active", "suspended"], "revoked");
    const earnings = await each((courseId) => disputeEarning(app, { paymentId: payment.id, disputeId: dispute.id, courseId }));
    let fees: Record<string, string> | "platform" = "platform";
    if (dispute.policy.feeBearer === "instructor" && dispute.fee > 0) {
      const parts = paidShares(dispute.fee, granted);
      fees = {};
      for (const [i, g] of granted.entries()) fees[g.courseId] = await chargeDisputeFee(app, { paymentId: payment.id, disputeId: dispute.id, fee: parts[i]!, courseId: g.courseId });
    }
    log.info("marketplace.bundle_dispute_lost", { courses: ids.length, earnings: outcomes(earnings), fees });
  },
};

/**
 * Refunds the overlapping courses' shares of a bundle payment at once, exactly once: the parts and
 * the reservation are one batch, guarded on the payment having no overlap part yet (and a unique
 * index on (payment, course) for overlap parts). A redelivery finds the refund made and only
 * re-sends it if Stripe never answered. Returns the amount refunded (or being refunded).
 */
async function refundOverlap(app: AppContext, payment: PaymentForPurpose, overlap: (typeof bundlePurchaseItems.$inferSelect)[]) {
  const amount = overlap.reduce((a, r) => a + r.share, 0);
  if (amount <= 0) return 0;
  const refundId = createId("refund");
  const t = now();
  const guard = { sql: "not exists (select 1 from bundle_refund_parts where payment_id = ? and kind = 'overlap')", params: [payment.id] };
  const statements = [
    ...refundReservationStatements(
      app,
      { refundId, paymentId: payment.id, amount, currency: payment.currency, reason: "You already had some of these courses from another purchase: their share of the bundle was refunded automatically.", actorId: null, at: t },
      guard,
    ),
    ...overlap.map((r) =>
      app.env.DB.prepare(
        `insert into bundle_refund_parts (refund_id, payment_id, course_id, kind, amount, created_at)
         select ?1, ?2, ?3, 'overlap', ?4, ?5 where exists (select 1 from refunds where id = ?1)`,
      ).bind(refundId, payment.id, r.courseId, r.share, t),
    ),
  ];
  await app.env.DB.batch(statements);
  const part = await app.db.select().from(bundleRefundParts).where(and(eq(bundleRefundParts.paymentId, payment.id), eq(bundleRefundParts.kind, "overlap"))).get();
  if (!part) {
    app.logger.error("marketplace.bundle_overlap_refund_not_reserved", { paymentId: payment.id, amount });
    return 0;
  }
  const fresh = (await findPayment(app, { id: payment.id }))!;
  app.logger.warn("marketplace.bundle_overlap_refunded", { paymentId: payment.id, refundId: part.refundId, amount, courses: overlap.map((r) => r.courseId) });
  try {
    await sendReservedRefund(app, fresh as typeof fresh & { stripePaymentIntentId: string }, part.refundId);
  } catch (error) {
    // Unknown outcome: the refund stays reserved; the webhook sync or the cron settles it.
    app.logger.warn("marketplace.bundle_overlap_refund_pending", { paymentId: payment.id, refundId: part.refundId, code: error instanceof AppError ? error.code : "unknown" });
  }
  return amount;
}
