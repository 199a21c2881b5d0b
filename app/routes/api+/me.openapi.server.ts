import * as z from "zod";
import { PERMISSIONS, ROLES } from "~/modules/auth/permissions";
import { defineRoute, idOf, UNAUTHENTICATED } from "~/modules/openapi/define.server";

export const publicUserSchema = z.object({ id: idOf("usr"), email: z.string(), name: z.string(), role: z.enum(ROLES) }).meta({ id: "PublicUser" });

export default defineRoute("/api/me", {
  get: {
    capability: "Account",
    summary: "The caller and their permissions",
    description: "Who a session or API key belongs to, with the `action:entity:access` permissions of their role.",
    auth: { kind: "signed_in", permission: "read:account:own" },
    responses: {
      200: {
        description: "The caller.",
        schema: z.object({ user: publicUserSchema, permissions: z.array(z.enum(PERMISSIONS)), authenticatedVia: z.enum(["session", "token"]) }),
      },
    },
    errors: { 401: ["unauthenticated"], 405: ["method_not_allowed"] },
    examples: [
      {
        name: "ok",
        summary: "With an API key",
        as: "student_api_key",
        status: 200,
        response: {
          user: { id: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", email: "student@coursemint.test", name: "Sam Student", role: "student" },
          permissions: ["read:account:own", "update:account:own", "create:api-token:own"],
          authenticatedVia: "token",
        },
      },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});
