import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { publicCertificateShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/certificates/{code}", {
  get: {
    capability: "Subscriptions",
    summary: "Verify a certificate",
    description:
      "Public: anyone with a certificate's code (printed on the PDF) can check it, without signing in. The answer says `valid` or `revoked` and gives only what the certificate shows: the learner's name, the course, the instructor and the dates. The code may be typed in any case, with or without dashes (O reads as 0, I and L as 1). An unknown or malformed code is 404. The same check is a page at `/certificates/verify/{code}`.",
    auth: { kind: "none" },
    params: z.object({ code: z.string().meta({ example: "7K3QW-9ZXTM-0B1CD-EFGH2" }) }),
    responses: { 200: { description: "The certificate and its status.", schema: z.object({ certificate: publicCertificateShape }) } },
    errors: { 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "A valid certificate",
        as: "anonymous",
        params: { code: "7K3QW-9ZXTM-0B1CD-EFGH2" },
        status: 200,
        response: {
          certificate: { code: "7K3QW-9ZXTM-0B1CD-EFGH2", status: "valid", learnerName: "Sam Student", courseTitle: "SQL for analysts", instructorName: "Ines Instructor", completedAt: 1795750000000, revokedAt: null },
        },
      },
      {
        name: "unknown",
        summary: "A wrong code",
        as: "anonymous",
        params: { code: "7K3QW-9ZXTM-0B1CD-EFGH3" },
        status: 404,
        response: errorExample("not_found", "No certificate has this code. Check it against the certificate."),
      },
    ],
  },
});
