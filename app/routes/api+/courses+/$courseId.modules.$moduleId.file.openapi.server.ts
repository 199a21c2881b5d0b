import * as z from "zod";
import { courseIdSchema, moduleIdSchema } from "~/modules/marketplace/courses.server";
import { defineRoute, errorExample, UNAUTHENTICATED } from "~/modules/openapi/define.server";

export default defineRoute("/api/courses/{courseId}/modules/{moduleId}/file", {
  get: {
    capability: "Marketplace",
    summary: "Download a module's file",
    description: "Streams the file from R2 (`Range` supported: 206) to enrolled learners, the course's instructor and admins.",
    auth: { kind: "signed_in" },
    params: z.object({
      courseId: courseIdSchema.meta({ example: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
      moduleId: moduleIdSchema.meta({ example: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
    }),
    responses: {
      200: { description: "The file, with its own Content-Type (PDF, video, image ...).", contentType: "*/*" },
      206: { description: "The requested byte range.", contentType: "*/*" },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not_found"] },
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
      { name: "anonymous", summary: "No credentials", as: "anonymous", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 401, response: UNAUTHENTICATED },
    ],
  },
});
