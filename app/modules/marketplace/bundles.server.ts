import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { hasPermission } from "~/modules/auth/permissions";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow, type FieldErrors } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { currencySchema, formatMoney, type Currency } from "~/utils/money";
import { bundleCourses, bundles, courses, enrollments, users } from "~drizzle/schema";
import { quoteBundle } from "./bundle-pricing";
import { courseIdSchema, slugify, type Course } from "./courses.server";
import { imageUrl } from "./images";
import { DESCRIPTION_MAX, DESCRIPTION_MIN, PRICE_MAX, PRICE_MIN, TITLE_MAX, TITLE_MIN } from "./rules";

/*
 * Bundles (docs/marketplace.md "Bundles", decision 014): several published courses sold at one
 * price. The owner is the instructor of every course in it; an admin may bundle across instructors.
 * Buying is the `bundle_purchase` payment purpose (bundle-purchase.server.ts).
 */

export type Bundle = typeof bundles.$inferSelect;

/** The rules of a bundle, one place (shown on the editor). */
export const BUNDLE_RULES = { minCourses: 2, maxCourses: 20 } as const;

export const bundleIdSchema = z.string().regex(/^bdl_[0-9a-z]{26}$/, "Not a bundle id");

const trimmed = (label: string, min: number, max: number) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(min, `${label} must be at least ${min} characters`)
    .max(max, `${label} must be at most ${max} characters`);

/** The editor's fields (create and update alike: a bundle is saved whole). */
export const bundleInputSchema = z.strictObject({
  title: trimmed("Title", TITLE_MIN, TITLE_MAX),
  description: trimmed("Description", DESCRIPTION_MIN, DESCRIPTION_MAX),
  priceAmount: z
    .number({ error: "Enter a price" })
    .int("Enter a price")
    .min(PRICE_MIN, `The price must be at least ${PRICE_MIN} minor units`)
    .max(PRICE_MAX, `The price must be at most ${PRICE_MAX} minor units`),
  currency: currencySchema.default("usd"),
  courseIds: z
    .array(courseIdSchema)
    .min(BUNDLE_RULES.minCourses, `Choose at least ${BUNDLE_RULES.minCourses} courses`)
    .max(BUNDLE_RULES.maxCourses, `Choose at most ${BUNDLE_RULES.maxCourses} courses`)
    .refine((ids) => new Set(ids).size === ids.length, "Each course can be in the bundle once"),
});
export type BundleInput = z.infer<typeof bundleInputSchema>;

const isPurchasable = (c: Pick<Course, "status">) => c.status === "published" || c.status === "unlisted";
const canBundleAnyone = (user: SessionUser) => hasPermission(user, "update:course:any");

/** May `user` edit this bundle? Its owner (an instructor) or an admin. Drafts of others are hidden (404). */
function assertCanEdit(user: SessionUser, bundle: Bundle) {
  if (bundle.ownerId === user.id && hasPermission(user, "update:course:own")) return;
  if (canBundleAnyone(user)) return;
  if (bundle.status === "draft") throw AppError.notFound("Bundle");
  throw AppError.forbidden("Only the bundle's instructor can edit it.");
}

/** Checks the chosen courses: each purchasable, paid, in the bundle's currency, taught by the owner (unless an admin bundles). */
async function checkCourses(app: AppContext, user: SessionUser, data: BundleInput) {
  const rows = await app.db.select().from(courses).where(inArray(courses.id, data.courseIds)).all();
  const byId = new Map(rows.map((c) => [c.id, c]));
  const errors: string[] = [];
  for (const id of data.courseIds) {
    const c = byId.get(id);
    if (!c || (!canBundleAnyone(user) && c.instructorId !== user.id)) {
      errors.push(canBundleAnyone(user) ? "A chosen course does not exist." : "You can bundle only courses you teach.");
      continue;
    }
    if (!isPurchasable(c)) errors.push(`“${c.title}” is not published.`);
    else if (c.priceAmount === 0) errors.push(`“${c.title}” is free; bundle paid courses only.`);
    else if (c.currency !== data.currency) errors.push(`“${c.title}” is priced in ${c.currency.toUpperCase()}, the bundle in ${data.currency.toUpperCase()}.`);
  }
  const fields: FieldErrors = {};
  if (errors.length) fields.courseIds = [...new Set(errors)];
  const ordered = data.courseIds.map((id) => byId.get(id)).filter((c): c is Course => !!c);
  const separately = ordered.reduce((a, c) => a + c.priceAmount, 0);
  if (!errors.length && data.priceAmount > separately) {
    fields.priceAmount = [`A bundle costs at most what its courses cost one by one (${formatMoney(separately, data.currency)})`];
  }
  if (Object.keys(fields).length) throw AppError.validation(fields);
  return ordered;
}

const courseRows = (bundleId: string, ids: string[]) => ids.map((courseId, position) => ({ bundleId, courseId, position }));

/** Creates a draft bundle (one batch: the bundle and its courses). */
export async function createBundle(app: AppContext, user: SessionUser, input: unknown) {
  if (!hasPermission(user, "update:course:own")) throw AppError.forbidden("Only instructors make bundles.");
  const data = parseOrThrow(bundleInputSchema, input);
  await checkCourses(app, user, data);
  const id = createId("bundle");
  const t = now();
  await app.db.batch([
    app.db.insert(bundles).values({
      id,
      slug: `${slugify(data.title)}-${id.slice(-6)}`,
      ownerId: user.id,
      title: data.title,
      description: data.description,
      priceAmount: data.priceAmount,
      currency: data.currency,
      status: "draft",
      createdAt: t,
      updatedAt: t,
    }),
    app.db.insert(bundleCourses).values(courseRows(id, data.courseIds)),
  ]);
  app.logger.info("marketplace.bundle_created", { bundleId: id, userId: user.id, courses: data.courseIds.length, amount: data.priceAmount, currency: data.currency });
  return (await findBundle(app, id))!;
}

/** Saves the whole bundle (fields and courses, in order) in one batch; a published bundle is checked again. */
export async function updateBundle(app: AppContext, user: SessionUser, bundleId: string, input: unknown) {
  const bundle = await loadOwnBundle(app, user, bundleId);
  const data = parseOrThrow(bundleInputSchema, input);
  await checkCourses(app, user, data);
  const t = now();
  await app.db.batch([
    app.db
      .update(bundles)
      .set({ title: data.title, description: data.description, priceAmount: data.priceAmount, currency: data.currency, updatedAt: t })
      .where(eq(bundles.id, bundle.id)),
    app.db.delete(bundleCourses).where(eq(bundleCourses.bundleId, bundle.id)),
    app.db.insert(bundleCourses).values(courseRows(bundle.id, data.courseIds)),
  ]);
  app.logger.info("marketplace.bundle_updated", { bundleId: bundle.id, userId: user.id, courses: data.courseIds.length, amount: data.priceAmount });
  return (await findBundle(app, bundle.id))!;
}

/** Publishes (after checking its courses again) or takes the bundle back to draft. */
export async function setBundleStatus(app: AppContext, user: SessionUser, bundleId: string, status: "draft" | "published") {
  const bundle = await loadOwnBundle(app, user, bundleId);
  if (status === "published") {
    const items = await bundleCourseList(app, bundle.id);
    await checkCourses(app, user, { title: bundle.title, description: bundle.description, priceAmount: bundle.priceAmount, currency: bundle.currency as Currency, courseIds: items.map((c) => c.id) });
  }
  const t = now();
  await app.db
    .update(bundles)
    .set({ status, updatedAt: t, ...(status === "published" && !bundle.publishedAt ? { publishedAt: t } : {}) })
    .where(eq(bundles.id, bundle.id))
    .run();
  app.logger.info("marketplace.bundle_status", { bundleId: bundle.id, userId: user.id, status });
  return (await findBundle(app, bundle.id))!;
}

export async function findBundle(app: Pick<AppContext, "db">, id: string) {
  return app.db.select().from(bundles).where(eq(bundles.id, id)).get();
}

export async function loadOwnBundle(app: AppContext, user: SessionUser, bundleId: string) {
  const bundle = await findBundle(app, parseOrThrow(bundleIdSchema, bundleId));
  if (!bundle) throw AppError.notFound("Bundle");
  assertCanEdit(user, bundle);
  return bundle;
}

/** The bundle's courses, in bundle order. */
export async function bundleCourseList(app: Pick<AppContext, "db">, bundleId: string) {
  const rows = await app.db
    .select({ course: courses })
    .from(bundleCourses)
    .innerJoin(courses, eq(courses.id, bundleCourses.courseId))
    .where(eq(bundleCourses.bundleId, bundleId))
    .orderBy(asc(bundleCourses.position))
    .all();
  return rows.map((r) => r.course);
}

/** Bundles an instructor owns (their dashboard), newest first; admins see every bundle. */
export async function listOwnBundles(app: AppContext, user: SessionUser) {
  const where = canBundleAnyone(user) ? undefined : eq(bundles.ownerId, user.id);
  const [rows, counts] = await app.db.batch([
    app.db.select().from(bundles).where(where).orderBy(desc(bundles.updatedAt)).limit(200),
    app.db
      .select({ bundleId: bundleCourses.bundleId, count: sql<number>`count(*)` })
      .from(bundleCourses)
      .innerJoin(bundles, eq(bundles.id, bundleCourses.bundleId))
      .where(where)
      .groupBy(bundleCourses.bundleId),
  ]);
  const countOf = new Map(counts.map((c) => [c.bundleId, c.count]));
  return rows.map((b) => ({ ...b, courseCount: countOf.get(b.id) ?? 0 }));
}

/** The courses an editor may choose: the instructor's own purchasable paid courses (every instructor's for admins). */
export async function bundleableCourses(app: AppContext, user: SessionUser) {
  return app.db
    .select({ id: courses.id, title: courses.title, priceAmount: courses.priceAmount, currency: courses.currency, instructorName: users.name })
    .from(courses)
    .innerJoin(users, eq(users.id, courses.instructorId))
    .where(and(canBundleAnyone(user) ? undefined : eq(courses.instructorId, user.id), inArray(courses.status, ["published", "unlisted"]), sql`${courses.priceAmount} > 0`))
    .orderBy(asc(courses.title))
    .limit(500)
    .all();
}

/** Published bundles for the catalog, newest first (at most `limit`), with their course count and what the courses cost one by one. */
export async function listPublishedBundles(app: Pick<AppContext, "db">, limit = 12) {
  const rows = await app.db
    .select({
      bundle: bundles,
      courseCount: sql<number>`(select count(*) from bundle_courses bc where bc.bundle_id = ${bundles.id})`,
      separately: sql<number>`(select coalesce(sum(c.price_amount), 0) from bundle_courses bc join courses c on c.id = bc.course_id where bc.bundle_id = ${bundles.id})`,
    })
    .from(bundles)
    .where(eq(bundles.status, "published"))
    .orderBy(desc(bundles.publishedAt), desc(bundles.id))
    .limit(limit)
    .all();
  return rows.map((r) => publicBundleCard(r.bundle, r.courseCount, r.separately));
}

export function publicBundleCard(b: Bundle, courseCount: number, separately: number) {
  return {
    id: b.id,
    slug: b.slug,
    title: b.title,
    description: b.description,
    price: { amount: b.priceAmount, currency: b.currency as Currency },
    separately,
    courseCount,
    coverUrl: imageUrl(b.coverKey),
  };
}

/** What a viewer is offered for a bundle: every course with its share, and what they would pay. */
export type BundleOffer = {
  courses: { id: string; slug: string; title: string; listPrice: number; share: number; owned: boolean; available: boolean; instructorName: string }[];
  separately: number;
  ownedCredit: number;
  amount: number;
  allOwned: boolean;
  /** Every course can still be bought (published or unlisted, paid). */
  available: boolean;
};

/** Which of these courses `userId` owns: an active (or paused) enrollment, or teaching it. */
export async function ownedCourseIds(app: Pick<AppContext, "db">, userId: string | null, list: Course[]) {
  if (!userId || list.length === 0) return new Set<string>();
  const rows = await app.db
    .select({ courseId: enrollments.courseId })
    .from(enrollments)
    .where(and(eq(enrollments.userId, userId), inArray(enrollments.courseId, list.map((c) => c.id)), inArray(enrollments.status, ["active", "suspended"])))
    .all();
  const owned = new Set(rows.map((r) => r.courseId));
  for (const c of list) if (c.instructorId === userId) owned.add(c.id);
  return owned;
}

export function offerFor(bundle: Bundle, list: (Course & { instructorName?: string })[], owned: Set<string>): BundleOffer {
  const available = list.length >= BUNDLE_RULES.minCourses && list.every((c) => isPurchasable(c) && c.priceAmount > 0 && c.currency === bundle.currency);
  const quote = quoteBundle(bundle.priceAmount, list.map((c) => ({ courseId: c.id, listPrice: Math.max(c.priceAmount, 0), owned: owned.has(c.id) })));
  return {
    courses: list.map((c, i) => ({
      id: c.id,
      slug: c.slug,
      title: c.title,
      listPrice: c.priceAmount,
      share: quote.items[i]!.share,
      owned: owned.has(c.id),
      available: isPurchasable(c),
      instructorName: c.instructorName ?? "",
    })),
    separately: list.reduce((a, c) => a + c.priceAmount, 0),
    ownedCredit: quote.ownedCredit,
    amount: quote.amount,
    allOwned: list.length > 0 && list.every((c) => owned.has(c.id)),
    available,
  };
}

/**
 * The public bundle page: the bundle (published, or a draft for its owner and admins), its courses
 * with their instructors, and the viewer's offer. Two reads in one batch, then the viewer's
 * enrollments in those courses.
 */
export async function getBundleView(app: AppContext, viewer: SessionUser | null, slug: string) {
  const bundleId = sql`(select ${bundles.id} from ${bundles} where ${bundles.slug} = ${slug})`;
  // The bundle, its courses and the viewer's enrollments in them: one batch (one round trip).
  const [bundleRows, rows, enrolled] = await app.db.batch([
    app.db.select().from(bundles).where(eq(bundles.slug, slug)),
    app.db
      .select({ course: courses, instructorName: users.name })
      .from(bundleCourses)
      .innerJoin(courses, eq(courses.id, bundleCourses.courseId))
      .innerJoin(users, eq(users.id, courses.instructorId))
      .where(eq(bundleCourses.bundleId, bundleId))
      .orderBy(asc(bundleCourses.position)),
    app.db
      .select({ courseId: enrollments.courseId })
      .from(enrollments)
      .where(
        and(
          eq(enrollments.userId, viewer?.id ?? ""),
          inArray(enrollments.status, ["active", "suspended"]),
          sql`${enrollments.courseId} in (select course_id from bundle_courses where bundle_id = ${bundleId})`,
        ),
      ),
  ]);
  const bundle = bundleRows[0];
  const canEdit = !!viewer && !!bundle && ((bundle.ownerId === viewer.id && hasPermission(viewer, "update:course:own")) || canBundleAnyone(viewer));
  if (!bundle || (bundle.status !== "published" && !canEdit)) throw AppError.notFound("Bundle");
  const list = rows.map((r) => ({ ...r.course, instructorName: r.instructorName }));
  const owned = new Set(enrolled.map((e) => e.courseId));
  for (const c of list) if (viewer && c.instructorId === viewer.id) owned.add(c.id);
  return { bundle, offer: offerFor(bundle, list, owned), canEdit };
}

/** A published bundle's offer for a buyer (the purchase quote): null when there is no such published bundle. */
export async function getBundleOfferForBuyer(app: AppContext, user: SessionUser, bundleId: string) {
  const id = parseOrThrow(bundleIdSchema, bundleId);
  const [bundleRows, rows] = await app.db.batch([
    app.db.select().from(bundles).where(eq(bundles.id, id)),
    app.db
      .select({ course: courses })
      .from(bundleCourses)
      .innerJoin(courses, eq(courses.id, bundleCourses.courseId))
      .where(eq(bundleCourses.bundleId, id))
      .orderBy(asc(bundleCourses.position)),
  ]);
  const bundle = bundleRows[0];
  if (!bundle || bundle.status !== "published") return null;
  const list = rows.map((r) => r.course);
  const owned = await ownedCourseIds(app, user.id, list);
  return { bundle, offer: offerFor(bundle, list, owned) };
}
