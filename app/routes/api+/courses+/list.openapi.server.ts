import { defineRoute, errorExample, page } from "~/modules/openapi/define.server";
import { COURSE_EXAMPLE, courseShape } from "~/modules/openapi/shapes.server";
import { listingQuerySchema } from "~/modules/marketplace/listing.server";

export default defineRoute("/api/courses/list", {
  get: {
    capability: "Marketplace",
    summary: "Browse the catalog",
    description:
      "Published courses with filters, text search (`q`) and a sort: `popular` (default), `newest`, `rating`, `price_asc`, `price_desc`. " +
      "Prices are minor units. Unknown or invalid parameters → 400. Rules: docs/marketplace.md.",
    auth: { kind: "optional", note: "A bad API key is still 401." },
    paginated: true,
    query: listingQuerySchema,
    responses: { 200: { description: "A page of courses.", schema: page(courseShape) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"] },
    examples: [
      { name: "ok", summary: "Beginner data courses, best rated first", as: "anonymous", query: { category: "data", level: "beginner", sort: "rating", limit: "10" }, status: 200, response: { items: [COURSE_EXAMPLE], nextCursor: null } },
      {
        name: "invalid",
        summary: "An unknown sort",
        as: "anonymous",
        query: { sort: "cheapest" },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { sort: ['Invalid option: expected one of "popular"|"newest"|"rating"|"price_asc"|"price_desc"'] } }),
      },
    ],
  },
});
