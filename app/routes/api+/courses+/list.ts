import { getUser } from "~/modules/auth/auth.server";
import { listCourses, listingQuerySchema } from "~/modules/marketplace/listing.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { parseOrThrow } from "~/utils/errors";

/** GET /api/courses/list — published courses with filters, sorts and a cursor (docs/marketplace.md). */
export const loader = api(async ({ request, app }) => {
  await getUser(app, request); // a bad Bearer token is still a 401
  const query = parseOrThrow(listingQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  const { items, nextCursor } = await listCourses(app, query);
  return { items, nextCursor };
});

export const action = methodNotAllowed;
