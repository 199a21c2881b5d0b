import { eq } from "drizzle-orm";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { normalizeCertificateCode } from "~/modules/marketplace/certificates.server";
import { certificates, enrollments } from "~drizzle/schema";
import { Browser, db, signedInAs } from "../helpers";
import { complete, enrolledLearner, pageText } from "./perks";

const CODE = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/;

async function certifiedLearner(opts: { name?: string; courseTitle?: string } = {}) {
  const learner = await enrolledLearner({ pro: true, ...opts });
  await complete(learner);
  const listed = await learner.browser.json("/api/certificates");
  expect(listed.status).toBe(200);
  expect(listed.body.certificates).toHaveLength(1);
  return { ...learner, certificate: listed.body.certificates[0] as Record<string, any> };
}

describe("certificates of completion", () => {
  it("are issued once per completed course with an unguessable code, even when asked for at once", async () => {
    const learner = await enrolledLearner({ pro: true, name: "Ada Lovelace", courseTitle: "Analytical engines" });
    expect((await learner.browser.json("/api/certificates")).body.certificates).toEqual([]); // not completed yet
    await complete(learner);
    const [a, b] = await Promise.all([learner.browser.json("/api/certificates"), learner.browser.json("/api/certificates")]);
    expect(a.body.certificates).toEqual(b.body.certificates);
    const rows = await db().select().from(certificates).where(eq(certificates.userId, learner.user.id)).all();
    expect(rows).toHaveLength(1);
    const [c] = a.body.certificates;
    expect(c).toMatchObject({ status: "valid", learnerName: "Ada Lovelace", courseTitle: "Analytical engines", instructorName: "Ines Instructor", courseId: learner.course.id, revokedAt: null });
    expect(c.code).toMatch(CODE);
    expect(c.verifyUrl).toMatch(new RegExp(`/certificates/verify/${c.code}$`));
    expect(c.pdfUrl).toMatch(new RegExp(`/api/certificates/${c.code}/pdf$`));
    // The code is random (not derived from an id) and the raw ids are not in it.
    expect(rows[0]!.code).not.toContain(learner.course.id);
    expect(JSON.stringify(a.body)).not.toContain(rows[0]!.enrollmentId);
  });

  it("reads codes as people type them and refuses anything else", () => {
    expect(normalizeCertificateCode("7k3qw 9zxtm-obicd-efgh2")).toBe("7K3QW9ZXTM0B1CDEFGH2");
    expect(normalizeCertificateCode("7K3QW-9ZXTM-0B1CD-EFGH")).toBeNull();
    expect(normalizeCertificateCode("7K3QW-9ZXTM-0B1CD-EFGHU")).toBeNull();
    expect(normalizeCertificateCode("")).toBeNull();
  });

  it("downloads as a real PDF with the learner's name, the course, the instructor, the date and the verification URL", async () => {
    const learner = await certifiedLearner({ name: "Zoë Łukasiewicz-Пётр", courseTitle: "Statistics for curious people" });
    const path = new URL(learner.certificate.pdfUrl).pathname;
    const res = await learner.browser.fetch(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="coursemint-certificate-course-\d+-[a-z0-9]+\.pdf"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    expect(new TextDecoder("latin1").decode(bytes.subarray(-6))).toContain("%%EOF");
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getTitle()).toBe("Certificate of completion: Zoë Łukasiewicz-Пётр, Statistics for curious people");
    expect(pdf.getSubject()).toContain("taught by Ines Instructor");
    expect(pdf.getSubject()).toMatch(/on \d{1,2} [A-Z][a-z]+ \d{4}\.$/);
    expect(pdf.getKeywords()).toContain(learner.certificate.code);
    expect(pdf.getKeywords()).toContain(learner.certificate.verifyUrl);
    // Inter is embedded (as subsets) for the Latin and the Cyrillic letters of the name.
    const text = new TextDecoder("latin1").decode(bytes);
    expect(text).toMatch(/\/FontFile2/);
    expect(text).toContain(`/URI (${learner.certificate.verifyUrl})`);
  });

  it("are verifiable by anyone without signing in: valid, then revoked when the enrollment is revoked; a wrong code is not found", async () => {
    const learner = await certifiedLearner({ name: "Grace Hopper", courseTitle: "Compilers from scratch" });
    const { code } = learner.certificate;
    const anyone = new Browser();
    const api = await anyone.json(`/api/certificates/${code}`);
    expect(api.status).toBe(200);
    expect(api.body).toEqual({
      certificate: { code, status: "valid", learnerName: "Grace Hopper", courseTitle: "Compilers from scratch", instructorName: "Ines Instructor", completedAt: learner.certificate.completedAt, revokedAt: null },
    });
    const page = await anyone.fetch(`/certificates/verify/${code}`);
    expect(page.status).toBe(200);
    const html = await pageText(page);
    expect(html).toContain("This is a genuine Coursemint certificate of completion.");
    expect(html).toContain("Grace Hopper");
    expect(html).toContain("Compilers from scratch");
    expect(html).toContain('content="noindex"');
    // Nothing private: no email, no ids.
    expect(html).not.toContain(learner.user.email);
    expect(html).not.toContain(learner.user.id);
    expect(html).not.toContain(learner.course.id);

    // Typed loosely, the address is made canonical; through the form too.
    const loose = await anyone.fetch(`/certificates/verify/${code.toLowerCase().replace(/-/g, "")}`);
    expect(loose.status).toBe(302);
    expect(loose.headers.get("Location")).toBe(`/certificates/verify/${code}`);
    const typed = await anyone.fetch(`/certificates/verify?code=${encodeURIComponent(` ${code.toLowerCase()} `)}`);
    expect(typed.headers.get("Location")).toBe(`/certificates/verify/${code}`);
    const malformed = await anyone.fetch("/certificates/verify?code=hello");
    expect(malformed.status).toBe(400);
    expect(await pageText(malformed)).toContain("That is not a certificate code");

    // A wrong code (one character changed) is a clear not found, page and API.
    const wrong = code.slice(0, -1) + (code.endsWith("0") ? "1" : "0");
    const missing = await anyone.fetch(`/certificates/verify/${wrong}`);
    expect(missing.status).toBe(404);
    const missingHtml = await pageText(missing);
    expect(missingHtml).toContain("Certificate not found");
    expect(missingHtml).toContain(`No Coursemint certificate has the code ${wrong}`);
    expect((await anyone.json(`/api/certificates/${wrong}`)).body.error.code).toBe("not_found");

    // A refund or a lost dispute revokes the enrollment; the certificate says so at once.
    const revokedAt = Date.now();
    await db().update(enrollments).set({ status: "revoked", revokedAt }).where(eq(enrollments.userId, learner.user.id)).run();
    expect((await anyone.json(`/api/certificates/${code}`)).body.certificate).toMatchObject({ status: "revoked", revokedAt });
    const revokedHtml = await pageText(await anyone.fetch(`/certificates/verify/${code}`));
    expect(revokedHtml).toContain("This certificate was revoked");
    expect(revokedHtml).not.toContain("This is a genuine");
    const pdf = await learner.browser.json(new URL(learner.certificate.pdfUrl).pathname);
    expect(pdf.status).toBe(409);
  });

  it("PDFs are for their owner on a plan with certificates only", async () => {
    const learner = await certifiedLearner();
    const path = new URL(learner.certificate.pdfUrl).pathname;
    expect((await new Browser().json(path)).status).toBe(401);
    const free = await signedInAs("student");
    const locked = await free.browser.json(path);
    expect(locked.status).toBe(403);
    expect(locked.body.error).toMatchObject({ code: "feature_locked", details: { feature: "certificates", upgradeUrl: "/pricing?feature=certificates" } });
    const otherPro = await enrolledLearner({ pro: true });
    const notYours = await otherPro.browser.json(path);
    expect(notYours.status).toBe(404);
    expect(notYours.body.error.code).toBe("not_found");
  });

  it("the certificates page lists them in words with Download PDF, the verification page and LinkedIn", async () => {
    const learner = await certifiedLearner({ courseTitle: "Writing for the web" });
    const html = await pageText(await learner.browser.fetch("/certificates"));
    expect(html).toContain("Writing for the web");
    expect(html).toContain("Taught by Ines Instructor");
    expect(html).toContain(`href="/api/certificates/${learner.certificate.code}/pdf"`);
    expect(html).toContain(`href="/certificates/verify/${learner.certificate.code}"`);
    expect(html).toContain("Download PDF");
    expect(html).toContain("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME");
    expect(html).toContain(">Valid<");
    expect(html).not.toMatch(/cert_enr_|enr_[0-9a-z]{26}/);
  });
});
