import * as z from "zod";
import { userSearchSchema } from "~/modules/auth/users.server";
import { ROLES } from "~/modules/auth/permissions";
import { defineRoute, FORBIDDEN, idOf, page, timestamp } from "~/modules/openapi/define.server";

export default defineRoute("/api/users", {
  get: {
    capability: "Account",
    summary: "Search users (admin)",
    description: "The user directory, newest first; `q` matches a fragment of the email, `role` filters.",
    auth: { kind: "signed_in", permission: "read:user:any" },
    paginated: true,
    query: userSearchSchema,
    responses: {
      200: { description: "A page of users.", schema: page(z.object({ id: idOf("usr"), email: z.string(), name: z.string(), role: z.enum(ROLES), createdAt: timestamp })) },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      {
        name: "ok",
        summary: "Instructors",
        as: "admin",
        query: { role: "instructor", limit: "20" },
        status: 200,
        response: { items: [{ id: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", email: "instructor@coursemint.test", name: "Ivy Instructor", role: "instructor", createdAt: 1795750000000 }], nextCursor: null },
      },
      { name: "forbidden", summary: "Not an admin", as: "student", status: 403, response: FORBIDDEN },
    ],
  },
});
