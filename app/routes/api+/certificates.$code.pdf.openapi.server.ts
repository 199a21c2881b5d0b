import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";

export default defineRoute("/api/certificates/{code}/pdf", {
  get: {
    capability: "Subscriptions",
    summary: "Download a certificate as PDF (Pro)",
    description:
      "One of your certificates as a one-page PDF (A4 landscape): your name, the course, the instructor, the completion date, the code and the verification URL (also a link). Sent as an attachment named after the course. Someone else's code is 404 like an unknown one; a revoked certificate has no PDF (409). Needs the `certificates` feature: on Free, 403 `feature_locked`.",
    auth: { kind: "signed_in", permission: "read:account:own", note: "Needs the `certificates` feature (Pro, Enterprise)." },
    params: z.object({ code: z.string().meta({ example: "7K3QW-9ZXTM-0B1CD-EFGH2" }) }),
    responses: { 200: { description: "The PDF.", contentType: "application/pdf" } },
    errors: { 401: ["unauthenticated"], 403: ["feature_locked"], 404: ["not_found"], 409: ["conflict"], 503: ["upstream_unavailable"] },
    examples: [
      { name: "ok", summary: "Your certificate", as: "student", params: { code: "7K3QW-9ZXTM-0B1CD-EFGH2" }, status: 200 },
      {
        name: "unknown",
        summary: "Not yours or unknown",
        as: "student",
        params: { code: "7K3QW-9ZXTM-0B1CD-EFGH3" },
        status: 404,
        response: errorExample("not_found", "Certificate not found."),
      },
    ],
  },
});
