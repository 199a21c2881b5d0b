import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { ownCertificateShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/certificates", {
  get: {
    capability: "Subscriptions",
    summary: "Your certificates (Pro)",
    description:
      "Certificates of completion for your completed courses, newest first. A certificate is issued the first time you look after completing a course, with your name, the course title and the instructor's name as they are then, under a random public `code`. `verifyUrl` is the public page anyone can open to check it; `pdfUrl` downloads the PDF (`GET /api/certificates/{code}/pdf`). A certificate is `revoked` when your access to the course was withdrawn (a refund or a lost dispute). A Pro feature: on Free the answer is 403 `feature_locked` with an upgrade hint.",
    auth: { kind: "signed_in", permission: "read:account:own", note: "Needs the `certificates` feature (Pro, Enterprise)." },
    responses: {
      200: { description: "Your certificates.", schema: z.object({ certificates: z.array(ownCertificateShape) }) },
    },
    errors: { 401: ["unauthenticated"], 403: ["feature_locked"] },
    examples: [
      {
        name: "ok",
        summary: "On Pro",
        as: "student",
        status: 200,
        response: {
          certificates: [
            {
              code: "7K3QW-9ZXTM-0B1CD-EFGH2",
              status: "valid",
              learnerName: "Sam Student",
              courseTitle: "SQL for analysts",
              instructorName: "Ines Instructor",
              completedAt: 1795750000000,
              revokedAt: null,
              courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x",
              issuedAt: 1795750000000,
              verifyUrl: "http://localhost:8787/certificates/verify/7K3QW-9ZXTM-0B1CD-EFGH2",
              pdfUrl: "http://localhost:8787/api/certificates/7K3QW-9ZXTM-0B1CD-EFGH2/pdf",
            },
          ],
        },
      },
      {
        name: "locked",
        summary: "On Free",
        as: "student",
        status: 403,
        response: errorExample("feature_locked", "Certificates of completion is part of Coursemint Pro. Upgrade to unlock it.", {
          feature: "certificates",
          currentTier: "free",
          requiredTier: "pro",
          upgradeUrl: "/pricing?feature=certificates",
        }),
      },
    ],
  },
});

