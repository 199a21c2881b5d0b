import * as z from "zod";
import { courseIdSchema, moduleIdSchema } from "~/modules/marketplace/courses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";

export default defineRoute("/api/courses/{courseId}/modules/{moduleId}", {
  delete: {
    capability: "Marketplace",
    summary: "Remove a module",
    description: "The course's instructor removes a module and its file in R2. 409 if it would leave a published course without content.",
    auth: { kind: "signed_in", permission: "update:course:own" },
    params: z.object({
      courseId: courseIdSchema.meta({ example: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
      moduleId: moduleIdSchema.meta({ example: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
    }),
    responses: { 204: { description: "Removed." } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict"] },
    examples: [
      { name: "ok", summary: "Remove a module of your draft", as: "instructor", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 204 },
      {
        name: "unknown",
        summary: "No such course",
        as: "instructor",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", moduleId: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 404,
        response: errorExample("not_found", "Course not found."),
      },
    ],
  },
});
