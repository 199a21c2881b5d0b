import * as z from "zod";
import { roleChangeSchema } from "~/modules/auth/users.server";
import { defineRoute, errorExample, FORBIDDEN } from "~/modules/openapi/define.server";
import { publicUserSchema } from "./me.openapi.server";

export default defineRoute("/api/users/{userId}/role", {
  put: {
    capability: "Account",
    summary: "Change a user's role (admin)",
    description: "Audited as `user.role_changed` with `from` and `to`. Admins cannot demote themselves (409).",
    auth: { kind: "signed_in", permission: "update:role:any" },
    params: z.object({ userId: z.string().meta({ example: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x" }) }),
    body: { schema: roleChangeSchema },
    responses: { 200: { description: "The user with the new role.", schema: z.object({ user: publicUserSchema }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict"] },
    examples: [
      {
        name: "ok",
        summary: "Make someone an instructor",
        as: "admin",
        params: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { role: "instructor" },
        status: 200,
        response: { user: { id: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", email: "student@coursemint.test", name: "Sam Student", role: "instructor" } },
      },
      {
        name: "bad_role",
        summary: "Unknown role",
        as: "admin",
        params: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { role: "owner" },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { role: ["Role must be one of student, instructor, enterprise, admin"] } }),
      },
      { name: "forbidden", summary: "Not an admin", as: "student", params: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x" }, body: { role: "admin" }, status: 403, response: FORBIDDEN },
    ],
  },
});
