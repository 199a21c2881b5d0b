import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { chunk } from "~/utils/db.server";
import { AppError } from "~/utils/errors";
import { certificates, courses, enrollments, users } from "~drizzle/schema";
import { CERTIFICATE_RENDER_PATH, type CertificateDocument } from "./certificate-document";

/*
 * Certificates of completion. A learner whose tier has the `certificates` feature (the routes check
 * it with requireFeature / hasFeature) gets one certificate per completed course: issued the first
 * time they look (page, API or My learning), with the names and title of that moment, under an
 * unguessable public code. Anyone with the code can verify it (no sign-in); it is valid while the
 * enrollment is active, so a refund or a lost dispute that revokes the enrollment revokes it, and
 * buying the course again makes it valid again. A certificate once issued stays verifiable whatever
 * the learner's plan later is; listing and downloading new PDFs needs the feature.
 */

/** Crockford base32 (no I, L, O, U): easy to read aloud and to type from paper. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 20 characters of 5 bits: 100 random bits, far beyond guessing. */
export const CERTIFICATE_CODE_LENGTH = 20;

/** A new random certificate code (canonical form: 20 upper-case characters, no separators). */
export function newCertificateCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CERTIFICATE_CODE_LENGTH));
  return Array.from(bytes, (b) => CODE_ALPHABET[b & 31]).join("");
}

/** As printed and in links: groups of five ("7K3QW-9ZXTM-0B1CD-EFGH2"). */
export const formatCertificateCode = (code: string) => code.match(/.{1,5}/g)!.join("-");

/**
 * Reads a code as a person may type it: any case, with or without dashes or spaces, O for 0 and
 * I or L for 1. Anything else (wrong length, other characters) is null.
 */
export function normalizeCertificateCode(input: string): string | null {
  const code = input
    .toUpperCase()
    .replace(/[\s-]+/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (code.length !== CERTIFICATE_CODE_LENGTH) return null;
  return [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

export const certificateVerifyPath = (code: string) => `/certificates/verify/${formatCertificateCode(code)}`;
export const certificatePdfPath = (code: string) => `/api/certificates/${formatCertificateCode(code)}/pdf`;

export type CertificateStatus = "valid" | "revoked";

export type Certificate = {
  code: string;
  courseId: string;
  courseSlug: string;
  courseTitle: string;
  learnerName: string;
  instructorName: string;
  completedAt: number;
  issuedAt: number;
  status: CertificateStatus;
  /** When access to the course was withdrawn (refund, lost dispute), if it was. */
  revokedAt: number | null;
};

const instructors = alias(users, "instructor");

/**
 * Issues the missing certificates of a learner's completed, active enrollments. Idempotent and safe
 * concurrently: the unique enrollment index keeps one certificate per enrollment (a second insert
 * does nothing), and the codes come from crypto.getRandomValues.
 */
export async function issueCertificates(app: AppContext, userId: string): Promise<number> {
  const missing = await app.db
    .select({
      enrollmentId: enrollments.id,
      courseId: courses.id,
      courseTitle: courses.title,
      completedAt: enrollments.completedAt,
      learnerName: users.name,
      instructorName: instructors.name,
    })
    .from(enrollments)
    .innerJoin(courses, eq(courses.id, enrollments.courseId))
    .innerJoin(users, eq(users.id, enrollments.userId))
    .innerJoin(instructors, eq(instructors.id, courses.instructorId))
    .leftJoin(certificates, eq(certificates.enrollmentId, enrollments.id))
    .where(and(eq(enrollments.userId, userId), eq(enrollments.status, "active"), isNotNull(enrollments.completedAt), isNull(certificates.code)))
    .all();
  if (!missing.length) return 0;
  const t = now();
  const rows = missing.map((m) => ({
    code: newCertificateCode(),
    enrollmentId: m.enrollmentId,
    userId,
    courseId: m.courseId,
    learnerName: m.learnerName,
    courseTitle: m.courseTitle,
    instructorName: m.instructorName,
    completedAt: m.completedAt!,
    issuedAt: t,
  }));
  // 9 bound parameters per row: at most 11 rows per statement (D1 allows 100).
  const [first, ...rest] = chunk(rows, 11).map((part) => app.db.insert(certificates).values(part).onConflictDoNothing({ target: certificates.enrollmentId }));
  await app.db.batch([first!, ...rest]);
  app.logger.info("certificates.issued", { userId, count: rows.length });
  return rows.length;
}

const certificateColumns = {
  code: certificates.code,
  userId: certificates.userId,
  courseId: certificates.courseId,
  courseSlug: courses.slug,
  courseTitle: certificates.courseTitle,
  learnerName: certificates.learnerName,
  instructorName: certificates.instructorName,
  completedAt: certificates.completedAt,
  issuedAt: certificates.issuedAt,
  enrollmentStatus: enrollments.status,
  revokedAt: enrollments.revokedAt,
};

function toCertificate(row: { enrollmentStatus: string; revokedAt: number | null } & Omit<Certificate, "status" | "revokedAt">): Certificate {
  const { enrollmentStatus, revokedAt, ...rest } = row;
  const valid = enrollmentStatus === "active";
  return { ...rest, status: valid ? "valid" : "revoked", revokedAt: valid ? null : (revokedAt ?? null) };
}

/** The learner's certificates, newest completion first (issues the missing ones first). */
export async function listCertificates(app: AppContext, userId: string): Promise<Certificate[]> {
  await issueCertificates(app, userId);
  const rows = await app.db
    .select(certificateColumns)
    .from(certificates)
    .innerJoin(enrollments, eq(enrollments.id, certificates.enrollmentId))
    .innerJoin(courses, eq(courses.id, certificates.courseId))
    .where(eq(certificates.userId, userId))
    .orderBy(desc(certificates.completedAt))
    .all();
  return rows.map(({ userId: _owner, ...row }) => toCertificate(row));
}

/** A certificate by its code (as typed or printed); null for an unknown or malformed code. */
export async function findCertificate(app: AppContext, input: string): Promise<(Certificate & { userId: string }) | null> {
  const code = normalizeCertificateCode(input);
  if (!code) return null;
  const row = await app.db
    .select(certificateColumns)
    .from(certificates)
    .innerJoin(enrollments, eq(enrollments.id, certificates.enrollmentId))
    .innerJoin(courses, eq(courses.id, certificates.courseId))
    .where(eq(certificates.code, code))
    .get();
  if (!row) return null;
  return { ...toCertificate(row), userId: row.userId };
}

/** What anyone may see of a certificate: names, course, dates and status; no ids, no email. */
export function publicCertificate(c: Certificate) {
  return {
    code: formatCertificateCode(c.code),
    status: c.status,
    learnerName: c.learnerName,
    courseTitle: c.courseTitle,
    instructorName: c.instructorName,
    completedAt: c.completedAt,
    revokedAt: c.revokedAt,
  };
}

/** A certificate as its owner sees it: the public fields plus where to download and verify it. */
export function ownCertificate(app: AppContext, c: Certificate) {
  return {
    ...publicCertificate(c),
    courseId: c.courseId,
    issuedAt: c.issuedAt,
    verifyUrl: `${app.config.APP_URL}${certificateVerifyPath(c.code)}`,
    pdfUrl: `${app.config.APP_URL}${certificatePdfPath(c.code)}`,
  };
}

/** "Add to profile" link of LinkedIn's certification form, filled in. */
export function linkedInAddUrl(app: AppContext, c: Certificate): string {
  const date = new Date(c.completedAt);
  const params = new URLSearchParams({
    startTask: "CERTIFICATION_NAME",
    name: c.courseTitle,
    organizationName: "Coursemint",
    issueYear: String(date.getUTCFullYear()),
    issueMonth: String(date.getUTCMonth() + 1),
    certUrl: `${app.config.APP_URL}${certificateVerifyPath(c.code)}`,
    certId: formatCertificateCode(c.code),
  });
  return `https://www.linkedin.com/profile/add?${params}`;
}

/** The completion date as printed: "7 December 2026" (UTC, so it is the same for every reader). */
export const printedDate = (ms: number) => new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(ms);

/**
 * The PDF of one of the user's own certificates, drawn by the PDF Worker (PDF_RENDERER). Another
 * user's code is a 404 like an unknown one; a revoked certificate has no PDF (409).
 */
export async function certificatePdf(app: AppContext, user: Pick<SessionUser, "id">, input: string): Promise<Response> {
  const cert = await findCertificate(app, input);
  if (!cert || cert.userId !== user.id) throw AppError.notFound("Certificate");
  if (cert.status !== "valid") throw new AppError("conflict", "This certificate was revoked: access to the course was withdrawn (a refund or a dispute).");
  const renderer = app.env.PDF_RENDERER;
  if (!renderer) {
    app.logger.error("certificates.renderer_missing", { code: cert.code });
    throw new AppError("upstream_unavailable", "Certificate PDFs are unavailable right now. Try again later.");
  }
  const document: CertificateDocument = {
    learnerName: cert.learnerName,
    courseTitle: cert.courseTitle,
    instructorName: cert.instructorName,
    completedOn: printedDate(cert.completedAt),
    code: formatCertificateCode(cert.code),
    verifyUrl: `${app.config.APP_URL}${certificateVerifyPath(cert.code)}`,
  };
  const pdf = await renderer.fetch(`https://pdf.internal${CERTIFICATE_RENDER_PATH}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(document),
  });
  if (!pdf.ok) {
    app.logger.error("certificates.render_failed", { code: cert.code, status: pdf.status });
    throw new AppError("upstream_unavailable", "The certificate PDF could not be made right now. Try again in a moment.");
  }
  const fileName = `coursemint-certificate-${cert.courseSlug}.pdf`;
  app.logger.info("certificates.pdf", { userId: user.id, courseId: cert.courseId });
  return new Response(pdf.body, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
