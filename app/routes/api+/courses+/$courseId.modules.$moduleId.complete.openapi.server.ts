import * as z from "zod";
import { courseIdSchema, moduleIdSchema } from "~/modules/marketplace/courses.server";
import { defineRoute, errorExample, idOf, timestamp } from "~/modules/openapi/define.server";

export default defineRoute("/api/courses/{courseId}/modules/{moduleId}/complete", {
  post: {
    capability: "Marketplace",
    summary: "Mark a module complete",
    description: "Enrolled learners record progress (idempotent). Completing the last module completes the course once.",
    auth: { kind: "signed_in", permission: "update:progress:own" },
    params: z.object({
      courseId: courseIdSchema.meta({ example: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
      moduleId: moduleIdSchema.meta({ example: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
    }),
    responses: {
      200: {
        description: "Your progress in the course.",
        schema: z.object({ progress: z.object({ totalModules: z.number().int(), completedModuleIds: z.array(idOf("mod")), completed: z.boolean(), completedAt: timestamp.nullable() }) }),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "The only module: the course is complete",
        as: "student",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 200,
        response: { progress: { totalModules: 1, completedModuleIds: ["mod_01jdxa7q2m3n4p5r6s7t8v9w0x"], completed: true, completedAt: 1795750000000 } },
      },
      {
        name: "not_enrolled",
        summary: "Not enrolled",
        as: "student",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 403,
        response: errorExample("forbidden", "Enroll in this course to open its modules."),
      },
    ],
  },
});
