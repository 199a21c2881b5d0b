import * as z from "zod";
import { defineRoute, errorExample, idOf, timestamp } from "~/modules/openapi/define.server";

export default defineRoute("/api/certificates", {
  get: {
    capability: "Subscriptions",
    summary: "Your certificates (Pro)",
    description: "Certificates of completion for your completed courses. A Pro feature: on Free the answer is 403 `feature_locked` with an upgrade hint.",
    auth: { kind: "signed_in", permission: "read:account:own", note: "Needs the `certificates` feature (Pro, Enterprise)." },
    responses: {
      200: {
        description: "Your certificates.",
        schema: z.object({
          certificates: z.array(z.object({ certificateId: z.string().startsWith("cert_"), courseId: idOf("crs"), courseTitle: z.string(), learner: z.string(), completedAt: timestamp })),
        }),
      },
    },
    errors: { 401: ["unauthenticated"], 403: ["feature_locked"] },
    examples: [
      {
        name: "ok",
        summary: "On Pro",
        as: "student",
        status: 200,
        response: { certificates: [{ certificateId: "cert_enr_01jdxa7q2m3n4p5r6s7t8v9w0x", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", courseTitle: "SQL for analysts", learner: "Sam Student", completedAt: 1795750000000 }] },
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
