import * as z from "zod";
import { brandingSchema, LOGO_MAX_BYTES } from "~/modules/licensing/branding.server";
import { organizationIdSchema } from "~/modules/licensing/organizations.server";
import { defineRoute, errorExample, timestamp } from "~/modules/openapi/define.server";

export default defineRoute("/api/enterprise/branding", {
  post: {
    capability: "Licensing",
    summary: "Set an organization's white-label branding",
    description:
      "Organization admins. The display name, colours and support address members see on every page and email. Organizations without an active " +
      "license that includes `white_label` get 403 `feature_locked` with the upgrade hint.",
    auth: { kind: "signed_in", permission: "update:organization:own" },
    body: {
      contentType: "multipart/form-data",
      schema: brandingSchema.extend({
        organizationId: organizationIdSchema,
        logo: z.string().optional().meta({ format: "binary", description: `PNG, JPEG or WebP, at most ${LOGO_MAX_BYTES / 1024} KB, checked by its bytes.` }),
      }),
    },
    responses: {
      200: {
        description: "The branding.",
        schema: z.object({
          branding: z
            .object({
              brandName: z.string(),
              brandPrimaryColor: z.string().nullable(),
              brandAccentColor: z.string().nullable(),
              brandSupportEmail: z.string().nullable(),
              brandLogoKey: z.string().nullable().meta({ description: "The logo's storage key; served at `/branding/<organizationId>/<file>`." }),
              updatedAt: timestamp,
            })
            .meta({ description: "The organization's branding as stored." }),
        }),
      },
    },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed", "feature_locked"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "Name and colour",
        as: "enterprise",
        body: { organizationId: "org_01m8e2rky7w1a0pb1fh9je24fj", name: "Acme Academy", primaryColor: "#0b7a5c", supportEmail: "help@acme.example" },
        status: 200,
        response: { branding: { brandName: "Acme Academy", brandPrimaryColor: "#0b7a5c", brandAccentColor: null, brandSupportEmail: "help@acme.example", brandLogoKey: null, updatedAt: 1795750000000 } },
      },
      {
        name: "unknown",
        summary: "Not your organization",
        as: "enterprise",
        body: { organizationId: "org_01m8e2rky7w1a0pb1fh9je24fj", name: "Acme Academy" },
        status: 404,
        response: errorExample("not_found", "Organization not found."),
      },
    ],
  },
});
