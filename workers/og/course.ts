import type { AppContext } from "~/context.server";
import { findCourseBySlug } from "~/modules/marketplace/courses.server";
import { CATEGORY_LABELS } from "~/modules/marketplace/rules";
import { formatMoney, type Currency } from "~/utils/money";
import { users } from "~drizzle/schema";
import { eq } from "drizzle-orm";
import { RENDER_PATH, type ShareCard } from "./card";

/** `/courses/:slug/og.png`: the share image of a listed course (1200×630 PNG). */
export const OG_PATH = /^\/courses\/([a-z0-9-]{1,80})\/og\.png$/;

/**
 * Looks the course up here (the main Worker owns the data) and has the share-image Worker draw it
 * through the OG_RENDERER service binding, so workers-og's WebAssembly is not in this bundle.
 */
export async function courseOgImage(app: AppContext, slug: string): Promise<Response> {
  const course = await findCourseBySlug(app, slug);
  if (!course || (course.status !== "published" && course.status !== "unlisted")) {
    return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain" } });
  }
  const instructor = await app.db.select({ name: users.name }).from(users).where(eq(users.id, course.instructorId)).get();
  const price = course.priceAmount === 0 ? "Free" : formatMoney(course.priceAmount, course.currency as Currency);
  const rating = course.ratingCount ? `★ ${(course.ratingAvg / 100).toFixed(1)} · ${course.ratingCount} reviews` : "New course";
  const card: ShareCard = {
    eyebrow: `Coursemint · ${CATEGORY_LABELS[course.category]}`,
    title: course.title,
    byline: instructor?.name ?? "",
    detail: `${rating} · ${price}`,
  };
  const renderer = app.env.OG_RENDERER;
  if (!renderer) {
    app.logger.error("og.renderer_missing", { courseId: course.id });
    return new Response("Share images are unavailable", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
  const image = await renderer.fetch(`https://og.internal${RENDER_PATH}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(card),
  });
  if (!image.ok) {
    app.logger.error("og.render_failed", { courseId: course.id, status: image.status });
    return new Response("Share image failed", { status: 502, headers: { "Content-Type": "text/plain" } });
  }
  const headers = new Headers({ "Content-Type": "image/png", "Cache-Control": "public, max-age=3600" });
  return new Response(image.body, { status: 200, headers });
}
