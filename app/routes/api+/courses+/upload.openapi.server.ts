import * as z from "zod";
import { courseIdSchema } from "~/modules/marketplace/courses.server";
import { courseMetadataSchema, FILE_TYPES, MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, moduleTitleSchema } from "~/modules/marketplace/rules";
import { defineRoute, FORBIDDEN } from "~/modules/openapi/define.server";
import { COURSE_EXAMPLE, courseShape } from "~/modules/openapi/shapes.server";

const uploadForm = courseMetadataSchema
  .partial()
  .extend({
    courseId: courseIdSchema.optional().meta({ description: "An own course to add files to or edit; without it a new draft is created and every metadata field is required." }),
    moduleTitle: z.array(moduleTitleSchema).optional().meta({ description: "One per file, in the same order (defaults to the file name)." }),
    files: z
      .array(z.string().meta({ format: "binary" }))
      .max(MAX_FILES_PER_UPLOAD)
      .meta({ description: `Module files (${Object.keys(FILE_TYPES).join(", ")}), at most ${MAX_FILE_BYTES / 1024 / 1024} MB each; checked by their bytes, not their names.` }),
  })
  .meta({ description: "multipart/form-data; `files` and `moduleTitle` repeat." });

export default defineRoute("/api/courses/upload", {
  post: {
    capability: "Marketplace",
    summary: "Upload a course",
    description:
      "Instructors create a draft course with its module files (streamed to R2), or add files to / edit an own course with `courseId`. " +
      "Nothing is stored when anything is rejected: 400 with field errors, `files` listing each rejected file. Publish with PATCH /api/courses/{courseId}.",
    auth: { kind: "signed_in", permission: "create:course:own" },
    body: { schema: uploadForm, contentType: "multipart/form-data" },
    responses: {
      200: { description: "An existing course, changed.", schema: z.object({ course: courseShape, modulesAdded: z.number().int() }) },
      201: { description: "A new draft course.", schema: z.object({ course: courseShape, modulesAdded: z.number().int() }) },
    },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "A new draft with one PDF (plus a `files` part)",
        as: "instructor",
        body: {
          title: "SQL for analysts",
          description: "Write the queries your dashboards need, from SELECT to window functions.",
          category: "data",
          level: "beginner",
          language: "en",
          priceAmount: "4999",
          currency: "usd",
        },
        status: 201,
        response: { course: { ...COURSE_EXAMPLE, status: "draft", publishedAt: null, enrollmentCount: 0, rating: { average: 0, count: 0 } }, modulesAdded: 1 },
      },
      {
        name: "invalid",
        summary: "Missing metadata",
        as: "instructor",
        body: { title: "SQL" },
        status: 400,
      },
      { name: "forbidden", summary: "Not an instructor", as: "student", body: { title: "SQL for analysts" }, status: 403, response: FORBIDDEN },
    ],
  },
});
