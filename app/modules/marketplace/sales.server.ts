import { and, eq, gt, isNotNull, isNull } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsertWhere } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { parseMajorUnits, type Currency } from "~/utils/money";
import { courses } from "~drizzle/schema";
import { assertCanEdit, courseIdSchema, findCourse } from "./courses.server";
import { saleErrors, saleOf, type Sale } from "./sales";

/*
 * Setting and ending a course's sale (sales.ts has the rules). The course row holds the sale, so
 * the edge cache's course trigger retires cached pages at once; pages also stay cached no longer
 * than the next scheduled start or end (workers/edge-cache.ts, `X-Edge-Fresh-Until`).
 */

export const saleFormSchema = z.object({
  /** As typed, "19.99" (in the course's currency). */
  salePrice: z.string().trim().max(20),
  saleStartsOn: z.string().trim().max(10),
  saleEndsOn: z.string().trim().max(10),
});

/** Puts the course on sale (replacing a sale not yet over). Owners only; audited. */
export async function setSale(app: AppContext, user: SessionUser, courseId: string, input: unknown): Promise<Sale> {
  const course = await findCourse(app, parseOrThrow(courseIdSchema, courseId));
  if (!course) throw AppError.notFound("Course");
  assertCanEdit(user, course);
  const form = parseOrThrow(saleFormSchema, input);
  const currency = course.currency as Currency;
  const t = now();
  const price = form.salePrice === "" ? null : parseMajorUnits(form.salePrice, currency);
  const { sale, errors } = saleErrors({ listPrice: course.priceAmount, currency, price, startsOn: form.saleStartsOn, endsOn: form.saleEndsOn }, t);
  if (!sale) throw AppError.validation(errors, "The sale was not set.");
  // The list price is read again inside the UPDATE: a price lowered meanwhile leaves the row alone.
  const [updated] = await app.db.batch([
    app.db
      .update(courses)
      .set({ salePriceAmount: sale.price, saleStartsAt: sale.startsAt, saleEndsAt: sale.endsAt, updatedAt: t })
      .where(and(eq(courses.id, course.id), gt(courses.priceAmount, sale.price)))
      .returning({ id: courses.id }),
    // Audited only if the UPDATE applied (same batch, same condition).
    auditInsertWhere(
      app,
      { actorId: user.id, action: "course.sale_set", targetType: "course", targetId: course.id, metadata: { title: course.title, listPrice: course.priceAmount, salePrice: sale.price, currency, startsAt: sale.startsAt, endsAt: sale.endsAt } },
      courses,
      and(eq(courses.id, course.id), eq(courses.salePriceAmount, sale.price), eq(courses.saleEndsAt, sale.endsAt), eq(courses.updatedAt, t))!,
    ),
  ]);
  if (!updated.length) throw AppError.validation({ salePrice: ["The sale price must be below the course's price"] }, "The sale was not set.");
  app.logger.info("marketplace.sale_set", { courseId: course.id, userId: user.id, salePrice: sale.price, startsAt: sale.startsAt, endsAt: sale.endsAt });
  return sale;
}

/** Ends the course's sale now (or cancels one not yet started). Idempotent: no sale, nothing happens. */
export async function endSale(app: AppContext, user: SessionUser, courseId: string): Promise<{ ended: boolean }> {
  const course = await findCourse(app, parseOrThrow(courseIdSchema, courseId));
  if (!course) throw AppError.notFound("Course");
  assertCanEdit(user, course);
  const sale = saleOf(course);
  const t = now();
  if (!sale || sale.endsAt <= t) return { ended: false };
  const [updated] = await app.db.batch([
    app.db
      .update(courses)
      .set({ salePriceAmount: null, saleStartsAt: null, saleEndsAt: null, updatedAt: t })
      .where(and(eq(courses.id, course.id), isNotNull(courses.saleEndsAt)))
      .returning({ id: courses.id }),
    auditInsertWhere(
      app,
      { actorId: user.id, action: "course.sale_ended", targetType: "course", targetId: course.id, metadata: { title: course.title, salePrice: sale.price, currency: course.currency, startedAt: sale.startsAt, endsAt: sale.endsAt } },
      courses,
      and(eq(courses.id, course.id), isNull(courses.saleEndsAt), eq(courses.updatedAt, t))!,
    ),
  ]);
  return { ended: updated.length > 0 };
}
