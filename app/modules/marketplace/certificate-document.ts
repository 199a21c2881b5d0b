import * as z from "zod";

/*
 * What the main Worker sends the PDF Worker (workers/pdf) to draw one certificate: words already
 * formatted, no ids but the public code, no app code on the other side. Plain data, shared by both.
 */

export const CERTIFICATE_RENDER_PATH = "/render/certificate";

export const CertificateDocument = z.strictObject({
  learnerName: z.string().min(1).max(200),
  courseTitle: z.string().min(1).max(200),
  instructorName: z.string().min(1).max(200),
  /** The completion date in words ("7 December 2026"). */
  completedOn: z.string().min(1).max(60),
  /** The verification code as printed ("7K3QW-9ZXTM-…"). */
  code: z.string().min(1).max(40),
  /** Where anyone can check the certificate. */
  verifyUrl: z.url().max(300),
});
export type CertificateDocument = z.infer<typeof CertificateDocument>;
