import * as z from "zod";
import { courseIdSchema, moduleIdSchema } from "~/modules/marketplace/courses.server";
import { defineRoute, errorExample, UNAUTHENTICATED } from "~/modules/openapi/define.server";

export default defineRoute("/api/courses/{courseId}/modules/{moduleId}/file", {
  get: {
    capability: "Marketplace",
    summary: "Download a module's file",
    description:
      "Streams the file from R2 (`Range` supported: 206) to enrolled learners, the course's instructor and admins. **Viewing** — a browser with your session showing the file in the module page (PDF frame, video or audio player, image) or in a tab — is open to everyone with access and served `inline`. **Downloading** — `?download=1` (served as an attachment), or any call with an API key — is the `offline_downloads` perk (Pro, Enterprise): on Free it is 403 `feature_locked` with the upgrade hint. The course's instructor and admins always download.",
    auth: { kind: "signed_in", note: "Downloading needs the `offline_downloads` feature (Pro, Enterprise), except for the course's instructor and admins." },
    query: z.object({
      download: z.enum(["1", "0"]).optional().meta({ description: "`1`: download (an attachment; needs `offline_downloads`). Without it a session's request is a view, served inline." }),
    }),
    params: z.object({
      courseId: courseIdSchema.meta({ example: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
      moduleId: moduleIdSchema.meta({ example: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
    }),
    responses: {
      200: { description: "The file, with its own Content-Type (PDF, video, image ...).", contentType: "*/*" },
      206: { description: "The requested byte range.", contentType: "*/*" },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "feature_locked"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "The instructor downloads a file", as: "instructor", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 200 },
      {
        name: "not_enrolled",
        summary: "Not enrolled",
        as: "student",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 403,
        response: errorExample("forbidden", "Enroll in this course to open its modules."),
      },
      {
        name: "locked",
        summary: "A Free learner asks for a download",
        as: "student",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        query: { download: "1" },
        status: 403,
        response: errorExample("feature_locked", "Download course files for offline study is part of Coursemint Pro. Upgrade to unlock it.", {
          feature: "offline_downloads",
          currentTier: "free",
          requiredTier: "pro",
          upgradeUrl: "/pricing?feature=offline_downloads",
        }),
      },
      { name: "anonymous", summary: "No credentials", as: "anonymous", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 401, response: UNAUTHENTICATED },
    ],
  },
});
