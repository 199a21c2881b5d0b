import * as z from "zod";
import { courseIdSchema } from "~/modules/marketplace/courses.server";
import { reviewInputSchema, reviewListSchema } from "~/modules/marketplace/reviews.server";
import { defineRoute, errorExample, idOf, nextCursor, timestamp } from "~/modules/openapi/define.server";

const params = z.object({ courseId: courseIdSchema.meta({ example: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }) });
const review = z
  .object({ id: idOf("rev"), courseId: idOf("crs"), author: z.object({ id: idOf("usr"), name: z.string() }), rating: z.number().int().min(1).max(5), body: z.string(), createdAt: timestamp, updatedAt: timestamp })
  .meta({ id: "Review" });
const REVIEW = {
  id: "rev_01jdxa7q2m3n4p5r6s7t8v9w0x",
  courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x",
  author: { id: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", name: "Sam Student" },
  rating: 5,
  body: "Clear and practical.",
  createdAt: 1795750000000,
  updatedAt: 1795750000000,
};

export default defineRoute("/api/courses/{courseId}/reviews", {
  get: {
    capability: "Marketplace",
    summary: "A course's reviews",
    description: "Newest first, with the course's rating.",
    auth: { kind: "optional" },
    paginated: true,
    params,
    query: reviewListSchema,
    responses: {
      200: {
        description: "A page of reviews.",
        schema: z.object({ items: z.array(review), nextCursor, rating: z.object({ average: z.number(), count: z.number().int() }) }),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "Reviews of a course", as: "anonymous", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }, query: { limit: "10" }, status: 200, response: { items: [REVIEW], nextCursor: null, rating: { average: 5, count: 1 } } },
      { name: "unknown", summary: "No such course", as: "anonymous", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 404, response: errorExample("not_found", "Course not found.") },
    ],
  },
  post: {
    capability: "Marketplace",
    summary: "Review a course",
    description: "Enrolled learners only; one review per learner and course: 201 when created, 200 when edited. The course's rating is recomputed.",
    auth: { kind: "signed_in", permission: "create:review:own" },
    params,
    body: { schema: reviewInputSchema },
    responses: {
      200: { description: "Your review, edited.", schema: z.object({ review }) },
      201: { description: "Your review, created.", schema: z.object({ review }) },
    },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "A first review", as: "student", params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }, body: { rating: 5, body: "Clear and practical." }, status: 201, response: { review: REVIEW } },
      {
        name: "not_enrolled",
        summary: "Not enrolled",
        as: "student",
        params: { courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { rating: 1 },
        status: 403,
        response: errorExample("forbidden", "Only learners enrolled in this course can review it."),
      },
    ],
  },
});
