import { ImageResponse } from "workers-og";
import type { AppContext } from "~/context.server";
import { findCourseBySlug } from "~/modules/marketplace/courses.server";
import { CATEGORY_LABELS } from "~/modules/marketplace/rules";
import { formatMoney, type Currency } from "~/utils/money";
import { users } from "~drizzle/schema";
import { eq } from "drizzle-orm";
import { INTER_BOLD_WOFF_BASE64 } from "./font";

/** `/courses/:slug/og.png`: the share image of a listed course (1200×630 PNG). */
export const OG_PATH = /^\/courses\/([a-z0-9-]{1,80})\/og\.png$/;

let font: ArrayBuffer | null = null;
function fontData(): ArrayBuffer {
  font ??= Uint8Array.from(atob(INTER_BOLD_WOFF_BASE64), (c) => c.charCodeAt(0)).buffer;
  return font;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function courseOgImage(app: AppContext, slug: string): Promise<Response> {
  const course = await findCourseBySlug(app, slug);
  if (!course || (course.status !== "published" && course.status !== "unlisted")) {
    return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain" } });
  }
  const instructor = await app.db.select({ name: users.name }).from(users).where(eq(users.id, course.instructorId)).get();
  const price = course.priceAmount === 0 ? "Free" : formatMoney(course.priceAmount, course.currency as Currency);
  const rating = course.ratingCount ? `★ ${(course.ratingAvg / 100).toFixed(1)} · ${course.ratingCount} reviews` : "New course";
  const title = course.title.length > 90 ? `${course.title.slice(0, 87)}…` : course.title;
  const html = `
    <div style="display:flex;flex-direction:column;justify-content:space-between;width:1200px;height:630px;padding:64px;background:linear-gradient(135deg,#0f766e,#134e4a);color:#ffffff;font-family:Inter">
      <div style="display:flex;font-size:32px;opacity:0.85">Coursemint · ${escape(CATEGORY_LABELS[course.category])}</div>
      <div style="display:flex;font-size:68px;line-height:1.1">${escape(title)}</div>
      <div style="display:flex;justify-content:space-between;font-size:34px">
        <span>${escape(instructor?.name ?? "")}</span>
        <span>${escape(rating)} · ${escape(price)}</span>
      </div>
    </div>`;
  const image = new ImageResponse(html, {
    width: 1200,
    height: 630,
    format: "png",
    fonts: [{ name: "Inter", data: fontData(), weight: 700, style: "normal" }],
  });
  const headers = new Headers(image.headers);
  headers.set("Cache-Control", "public, max-age=3600");
  return new Response(image.body, { status: image.status, headers });
}
