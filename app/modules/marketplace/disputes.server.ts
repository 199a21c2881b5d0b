import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { notifyUser } from "~/modules/email/email.server";
import type { DisputeEffect, PaymentForPurpose } from "~/modules/payments/purposes";
import { now } from "~/utils/clock";
import { formatDateTime } from "~/modules/email/format";
import { bundlePurchaseItems, bundles, courseModules, courses, enrollments, moduleProgress } from "~drizzle/schema";
import type { DisputeEarningOutcome } from "./earnings.server";
import { refundPolicyWords } from "./refund-policy";

/** The instructor of a disputed sale: the sale is disputed and the earning frozen (or recovered); once per dispute. */
export async function notifyInstructorOfDispute(app: AppContext, payment: PaymentForPurpose, dispute: DisputeEffect, earning: DisputeEarningOutcome) {
  const course = await app.db.select({ title: courses.title, instructorId: courses.instructorId }).from(courses).where(eq(courses.id, payment.purposeRef)).get();
  if (!course) return;
  await notifyUser(app, course.instructorId, {
    template: "dispute-opened-instructor",
    idempotencyKey: `dispute-instructor/${dispute.id}`,
    data: (user) => ({
      name: user.name,
      courseTitle: course.title,
      amount: dispute.amount,
      currency: dispute.currency,
      openedAt: now(),
      earning: earning.outcome === "recovered" ? "recovered" : "frozen",
      earningAmount: Math.max(0, earning.instructorAmount),
      earningsUrl: `${app.config.APP_URL}/instructor`,
    }),
  });
}

/**
 * The instructors of a disputed bundle: each one once per dispute, for their courses of the bundle
 * together (a bundle can hold several instructors' courses when an admin made it), with the sum of
 * their frozen or recovered earnings ("recovered" when any of them was already paid out).
 */
export async function notifyInstructorsOfBundleDispute(
  app: AppContext,
  payment: PaymentForPurpose,
  dispute: DisputeEffect,
  granted: Pick<typeof bundlePurchaseItems.$inferSelect, "courseId" | "instructorId">[],
  earnings: Record<string, DisputeEarningOutcome>,
) {
  const [bundle, courseRows] = await Promise.all([
    app.db.select({ title: bundles.title }).from(bundles).where(eq(bundles.id, payment.purposeRef)).get(),
    app.db.select({ id: courses.id, title: courses.title }).from(courses).where(inArray(courses.id, granted.map((g) => g.courseId))).all(),
  ]);
  const titles = new Map(courseRows.map((c) => [c.id, c.title]));
  const byInstructor = new Map<string, string[]>();
  for (const g of granted) byInstructor.set(g.instructorId, [...(byInstructor.get(g.instructorId) ?? []), g.courseId]);
  for (const [instructorId, courseIds] of byInstructor) {
    const booked = courseIds.map((id) => earnings[id]).filter((e): e is DisputeEarningOutcome => !!e && e.outcome !== "no_sale" && e.outcome !== "nothing_left");
    if (booked.length === 0) continue;
    const recovered = booked.some((e) => e.outcome === "recovered");
    const courseTitle = `the bundle ${bundle?.title ?? "of courses"} (${courseIds.map((id) => titles.get(id) ?? id).join(", ")})`.slice(0, 200);
    await notifyUser(app, instructorId, {
      template: "dispute-opened-instructor",
      idempotencyKey: `dispute-instructor/${dispute.id}/${instructorId}`,
      data: (user) => ({
        name: user.name,
        courseTitle,
        amount: dispute.amount,
        currency: dispute.currency,
        openedAt: now(),
        earning: recovered ? "recovered" : "frozen",
        earningAmount: booked.reduce((sum, e) => sum + Math.max(0, e.instructorAmount), 0),
        earningsUrl: `${app.config.APP_URL}/instructor`,
      }),
    });
  }
}

/**
 * What the marketplace tells the bank about a disputed course purchase: the course, when access was
 * granted, and every module the learner completed with its time (from module_progress).
 */
export async function courseEvidence(app: AppContext, payment: PaymentForPurpose) {
  const [course, enrollment, progress, modules] = await Promise.all([
    app.db.select({ title: courses.title, description: courses.description, slug: courses.slug }).from(courses).where(eq(courses.id, payment.purposeRef)).get(),
    app.db.select().from(enrollments).where(and(eq(enrollments.courseId, payment.purposeRef), eq(enrollments.userId, payment.userId))).get(),
    app.db
      .select({ title: courseModules.title, position: courseModules.position, completedAt: moduleProgress.completedAt })
      .from(moduleProgress)
      .innerJoin(courseModules, eq(courseModules.id, moduleProgress.moduleId))
      .where(and(eq(moduleProgress.userId, payment.userId), eq(moduleProgress.courseId, payment.purposeRef)))
      .orderBy(asc(moduleProgress.completedAt))
      .all(),
    app.db.select({ n: sql<number>`count(*)` }).from(courseModules).where(eq(courseModules.courseId, payment.purposeRef)).get(),
  ]);
  if (!course) return {};
  const lines = [
    enrollment ? `Access to the course was granted on ${formatDateTime(enrollment.createdAt)} (enrollment ${enrollment.id}).` : "No enrollment record was found.",
    progress.length
      ? `The customer completed ${progress.length} of ${modules?.n ?? progress.length} modules while signed in to their account:`
      : `The customer had not completed any of the ${modules?.n ?? 0} modules yet.`,
    ...progress.map((p) => `- Module ${p.position} "${p.title}" completed ${formatDateTime(p.completedAt)}`),
  ];
  return {
    product_description: `Online course "${course.title}" (${app.config.APP_URL}/courses/${course.slug}), delivered digitally in the customer's Coursemint account. ${course.description}`.slice(0, 20_000),
    service_date: enrollment ? new Date(enrollment.createdAt).toISOString().slice(0, 10) : undefined,
    access_activity_log: lines.join("\n"),
    // The refund policy the learner was shown on the course page and the receipt (refund-policy.ts).
    refund_policy_disclosure: ["Coursemint's refund policy for courses:", refundPolicyWords().summary, ...refundPolicyWords().rules].join(" "),
  };
}
