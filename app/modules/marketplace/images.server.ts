import { eq, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { assertCsrf } from "~/utils/csrf.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { hasPermission } from "~/modules/auth/permissions";
import { readBodyLimited } from "~/utils/body.server";
import { now } from "~/utils/clock";
import { AppError, errorResponse } from "~/utils/errors";
import { randomToken } from "~/utils/ids";
import { courses, edgeCacheVersion, instructorProfiles } from "~drizzle/schema";
import { loadOwnCourse } from "./courses.server";
import { BIO_MAX, IMAGE_LIMITS, type ImageKind } from "./images";

/*
 * Course covers and instructor avatars: one image per form, PNG, JPEG or WebP, checked by its
 * bytes (never by the name or the browser's type), at most IMAGE_LIMITS[kind].maxBytes, stored in
 * R2 under a random name (so URLs are immutable and cacheable for a year). A refused image leaves
 * nothing stored; a replaced one is deleted after the database points at the new one.
 */

export const IMAGE_TYPES = {
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
} as const;
export type ImageExtension = keyof typeof IMAGE_TYPES;

/** The image's type from its first bytes, or null when it is not a PNG, JPEG or WebP. */
export function sniffImage(bytes: Uint8Array): ImageExtension | null {
  const starts = (...b: number[]) => b.every((v, i) => bytes[i] === v);
  const ascii = (offset: number, text: string) => [...text].every((c, i) => bytes[offset + i] === c.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (starts(0xff, 0xd8, 0xff)) return "jpg";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "webp";
  return null;
}

const tooLarge = (kind: ImageKind) => {
  const { field, maxBytes, label } = IMAGE_LIMITS[kind];
  const message = `The ${label} must be at most ${Math.round(maxBytes / 1024 / 1024)} MB.`;
  return new AppError("payload_too_large", message, { details: { fieldErrors: { [field]: [message] } } });
};

/**
 * Reads an image form (multipart, the image plus a few short fields): a body over the image limit
 * (plus room for the other fields) is a 413 with a field error, before anything is stored; then
 * the CSRF token (403).
 */
export async function readImageForm(app: AppContext, request: Request, kind: ImageKind): Promise<FormData> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw errorResponse(new AppError("unsupported_media_type", "Send the image with its form (multipart/form-data)."), app.requestId);
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await readBodyLimited(request, IMAGE_LIMITS[kind].maxBytes + 64 * 1024);
  } catch (error) {
    if (error instanceof AppError && error.code === "payload_too_large") throw tooLarge(kind);
    throw error;
  }
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "Content-Type": type } }).formData();
  } catch {
    throw errorResponse(new AppError("bad_request", "The form could not be read. Go back and submit it again."), app.requestId);
  }
  assertCsrf(app, request, form);
  return form;
}

/** The validated image of a form field, or null when no file was chosen. Throws 400/413 field errors. */
export async function imageFromForm(form: FormData, kind: ImageKind): Promise<{ bytes: Uint8Array; ext: ImageExtension } | null> {
  const { field } = IMAGE_LIMITS[kind];
  const file = form.get(field);
  if (!(file instanceof File) || (file.size === 0 && !file.name)) return null;
  if (file.size > IMAGE_LIMITS[kind].maxBytes) throw tooLarge(kind);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const ext = bytes.byteLength ? sniffImage(bytes) : null;
  if (!ext) throw AppError.validation({ [field]: ["Upload a PNG, JPEG or WebP image"] }, "That file is not a PNG, JPEG or WebP image.");
  return { bytes, ext };
}

const bumpEdgeCache = (app: AppContext) => app.db.update(edgeCacheVersion).set({ version: sql`${edgeCacheVersion.version} + 1` }).where(eq(edgeCacheVersion.id, 1));

async function putImage(app: AppContext, prefix: string, image: { bytes: Uint8Array; ext: ImageExtension }) {
  const key = `${prefix}/${randomToken(8)}.${image.ext}`;
  await app.env.UPLOADS.put(key, image.bytes, { httpMetadata: { contentType: IMAGE_TYPES[image.ext], cacheControl: "public, max-age=31536000, immutable" } });
  return key;
}

function deleteLater(app: AppContext, key: string | null | undefined) {
  if (key) app.ctx.waitUntil(app.env.UPLOADS.delete(key).catch(() => undefined));
}

/** Sets (or with `remove`, clears) the cover of an own course. */
export async function setCourseCover(app: AppContext, user: SessionUser, courseId: string, form: FormData) {
  const course = await loadOwnCourse(app, user, courseId);
  const image = await imageFromForm(form, "cover");
  const remove = form.get("removeCover") === "on";
  if (!image && !remove) throw AppError.validation({ cover: ["Choose an image to upload"] });
  const key = image ? await putImage(app, `covers/${course.id}`, image) : null;
  try {
    await app.db.update(courses).set({ coverKey: key, updatedAt: now() }).where(eq(courses.id, course.id));
  } catch (error) {
    deleteLater(app, key);
    throw error;
  }
  if (course.coverKey !== key) deleteLater(app, course.coverKey);
  app.logger.info("marketplace.cover_updated", { courseId: course.id, userId: user.id, removed: !key });
  return key;
}

/** The instructor's bio and avatar (upload, keep or remove). */
export async function updateInstructorProfile(app: AppContext, user: SessionUser, form: FormData) {
  if (!hasPermission(user, "update:course:own")) throw AppError.forbidden("Only instructors have a public profile.");
  const bio = String(form.get("bio") ?? "").trim();
  if (bio.length > BIO_MAX) throw AppError.validation({ bio: [`At most ${BIO_MAX} characters (you wrote ${bio.length})`] });
  const image = await imageFromForm(form, "avatar");
  const existing = await app.db.select().from(instructorProfiles).where(eq(instructorProfiles.userId, user.id)).get();
  const remove = form.get("removeAvatar") === "on";
  const key = image ? await putImage(app, `avatars/${user.id}`, image) : remove ? null : (existing?.avatarKey ?? null);
  const t = now();
  try {
    await app.db.batch([
      app.db
        .insert(instructorProfiles)
        .values({ userId: user.id, bio, avatarKey: key, updatedAt: t })
        .onConflictDoUpdate({ target: instructorProfiles.userId, set: { bio, avatarKey: key, updatedAt: t } }),
      // Course pages show the profile: retire their cached copies.
      bumpEdgeCache(app),
    ]);
  } catch (error) {
    if (image) deleteLater(app, key);
    throw error;
  }
  if (existing?.avatarKey && existing.avatarKey !== key) deleteLater(app, existing.avatarKey);
  app.logger.info("marketplace.profile_updated", { userId: user.id, avatar: image ? "replaced" : remove ? "removed" : "unchanged" });
  return { bio, avatarKey: key };
}

const FILE_PATTERN = /^[0-9a-f]{16}\.(png|jpg|webp)$/;

/** GET /covers/:courseId/:file and /avatars/:userId/:file: public images with immutable URLs. */
export async function serveImage(app: AppContext, prefix: "covers" | "avatars", ownerId: string, file: string) {
  const idPattern = prefix === "covers" ? /^crs_[0-9a-z]{26}$/ : /^usr_[0-9a-z]{26}$/;
  if (!idPattern.test(ownerId) || !FILE_PATTERN.test(file)) throw AppError.notFound("Image");
  const object = await app.env.UPLOADS.get(`${prefix}/${ownerId}/${file}`);
  if (!object) throw AppError.notFound("Image");
  const ext = file.split(".")[1] as ImageExtension;
  const headers = new Headers({
    "Content-Type": IMAGE_TYPES[ext],
    "Content-Length": String(object.size),
    ETag: object.httpEtag,
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
  });
  return new Response(object.body, { headers });
}
