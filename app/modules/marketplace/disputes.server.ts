import { eq } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { notifyUser } from "~/modules/email/email.server";
import type { DisputeEffect, PaymentForPurpose } from "~/modules/payments/purposes";
import { now } from "~/utils/clock";
import { courses } from "~drizzle/schema";
import type { DisputeEarningOutcome } from "./earnings.server";

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
