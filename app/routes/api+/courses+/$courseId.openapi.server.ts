import * as z from "zod";
import { courseIdSchema, courseUpdateRequestSchema } from "~/modules/marketplace/courses.server";
import { defineRoute, errorExample, FORBIDDEN, timestamp } from "~/modules/openapi/define.server";
import { COURSE_EXAMPLE, courseShape, moduleShape } from "~/modules/openapi/shapes.server";

const params = z.object({ courseId: courseIdSchema.meta({ example: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }) });
const NOT_FOUND = errorExample("not_found", "Course not found.");

export default defineRoute("/api/courses/{courseId}", {
  get: {
    capability: "Marketplace",
    summary: "One course with its modules",
    description: "Drafts are visible only to their instructor and admins (404 for anyone else). `viewer` says what the caller may do.",
    auth: { kind: "optional" },
    params,
    responses: {
      200: {
        description: "The course.",
        schema: z.object({
          course: courseShape,
          modules: z.array(moduleShape),
          viewer: z.object({ enrolled: z.boolean(), paused: z.boolean().meta({ description: "Access is paused while the caller's bank disputes their payment for the course." }), completedAt: timestamp.nullable(), canEdit: z.boolean(), canModerate: z.boolean(), canAccess: z.boolean() }),
        }),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "A published course",
        as: "anonymous",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 200,
        response: {
          course: COURSE_EXAMPLE,
          modules: [{ id: "mod_01jdxa7q2m3n4p5r6s7t8v9w0x", position: 1, title: "SELECT and WHERE", hasFile: true, fileName: "select.pdf", contentType: "application/pdf", sizeBytes: 48213 }],
          viewer: { enrolled: false, paused: false, completedAt: null, canEdit: false, canModerate: false, canAccess: false },
        },
      },
      { name: "unknown", summary: "No such course", as: "anonymous", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 404, response: NOT_FOUND },
      {
        name: "malformed",
        summary: "Not a course id",
        as: "anonymous",
        params: { courseId: "intro-to-sql" },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { _form: ["Not a course id"] } }),
      },
    ],
  },
  patch: {
    capability: "Marketplace",
    summary: "Edit or publish a course",
    description:
      "Owners send any subset of the metadata and/or `status`; publishing checks the course is ready (400 naming `modules` or fields). " +
      "Admins may only send `{\"status\":\"draft\"|\"archived\"}` (and an optional `reason`) to unpublish or archive; an admin's archive locks the status " +
      "until an admin moves it again. Each admin status change of someone else's course is audited (`course.archived`, `course.unarchived`, `course.unpublished`, " +
      "with the reason). Others: 403, or 404 for drafts they cannot see.",
    auth: { kind: "signed_in", permission: "update:course:own", note: "Admins: `update:course:any` to unpublish." },
    params,
    body: { schema: courseUpdateRequestSchema },
    responses: { 200: { description: "The course after the change.", schema: z.object({ course: courseShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "Change the price",
        as: "instructor",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { priceAmount: 3999 },
        status: 200,
        response: { course: { ...COURSE_EXAMPLE, price: { amount: 3999, currency: "usd" } } },
      },
      { name: "not_owner", summary: "Someone else's course", as: "instructor", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }, body: { priceAmount: 100 }, status: 403, response: FORBIDDEN },
      {
        name: "invalid",
        summary: "An unknown field",
        as: "instructor",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { price: 10 },
        status: 400,
      },
    ],
  },
});
