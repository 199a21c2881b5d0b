import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { processPayment } from "~/modules/payments/process.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { enrollFree, findEnrollment, isPurchasable } from "./access.server";
import { courseIdSchema, findCourse } from "./courses.server";

export const purchaseInputSchema = z
  .object({
    courseId: courseIdSchema,
    flow: z.enum(["checkout", "payment_method"]).optional(),
    paymentMethod: z.string().max(120).optional(),
    /** Reward tokens to put towards the price (held until the payment settles; docs/tokens.md). */
    tokens: z.number().int("Whole tokens only").positive("Offer at least 1 token").max(10_000_000).optional(),
    /** A promotion code (case-insensitive), checked and reserved with the payment (coupons.server.ts). */
    promotionCode: z.string().max(64).optional(),
  })
  .strict();

export type PurchaseOutcome =
  | { status: "already_enrolled"; courseId: string }
  | { status: "enrolled"; courseId: string }
  | { status: "payment_started"; courseId: string; payment: Awaited<ReturnType<typeof processPayment>> };

/**
 * `POST /api/courses/purchase`: already-enrolled learners (and the course's instructor) are never
 * charged; free courses enroll at once; paid courses go through the payments capability, and
 * access is granted by the purpose's `fulfil` when Stripe confirms the payment. With
 * `paymentRequired` (its value is the error message), an owned or free course is a 409 that writes nothing.
 */
export async function purchaseCourse(app: AppContext, user: SessionUser, input: unknown, opts: { paymentRequired?: string } = {}): Promise<PurchaseOutcome> {
  const data = parseOrThrow(purchaseInputSchema, input);
  const course = await findCourse(app, data.courseId);
  if (!course || !isPurchasable(course)) throw AppError.notFound("Course");
  const enrollment = course.instructorId === user.id ? null : await findEnrollment(app, course.id, user.id);
  const owned = course.instructorId === user.id || enrollment?.status === "active";
  // A caller that needs a payment (a token discount) is refused before anything is written:
  // never an enrollment in a free course behind an error answer.
  if (opts.paymentRequired && (owned || course.priceAmount === 0)) {
    throw new AppError("conflict", opts.paymentRequired, { details: { reason: owned ? "already_enrolled" : "free_course" } });
  }
  if (owned) return { status: "already_enrolled", courseId: course.id };
  if (course.priceAmount === 0) {
    await enrollFree(app, user, course);
    return { status: "enrolled", courseId: course.id };
  }
  const back = `/courses/${course.slug}`;
  const payment = await processPayment(app, user, {
    purpose: "course_purchase",
    courseId: course.id,
    flow: data.flow ?? "checkout",
    ...(data.paymentMethod ? { paymentMethod: data.paymentMethod } : {}),
    ...(data.tokens ? { tokens: data.tokens } : {}),
    ...(data.promotionCode?.trim() ? { promotionCode: data.promotionCode } : {}),
    successPath: `${back}?purchase=success`,
    cancelPath: `${back}?purchase=canceled`,
  });
  return { status: "payment_started", courseId: course.id, payment };
}
