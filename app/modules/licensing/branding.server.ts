import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { FEATURES, TIERS, upgradeUrl } from "~/modules/subscriptions/tiers";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { randomToken } from "~/utils/ids";
import { contrastRatio, formatRatio, MIN_TEXT_CONTRAST } from "~/utils/contrast";
import { sessionTokenHash } from "~/modules/auth/session.server";
import { licenses, organizationMembers, organizations, sessions, users } from "~drizzle/schema";
import { requireOrganizationAccess, type Actor } from "./organizations.server";

/*
 * White-label: organizations whose active license includes `white_label` set a display name,
 * logo (R2, under branding/), colours and a support address. Their members see the platform in
 * that branding on every page (root loader) and in every email they receive (email consumer).
 */

export type Brand = {
  organizationId: string;
  name: string;
  logoUrl: string | null;
  primaryColor: string | null;
  accentColor: string | null;
  supportEmail: string | null;
  /** The organization's stylesheet (colours), same-origin so `style-src 'self'` allows it; null without colours. */
  themeUrl: string | null;
};

const color = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, "Use a colour like #0f9d76")
  .optional()
  .or(z.literal("").transform(() => undefined));

/**
 * Where each brand colour is used, and what it must stay readable against (BRAND_COLOR_USES): the
 * main colour is the background of buttons (white text) and the colour of links on the white page;
 * the accent colour is the organization's name in the header and the stripe under it, on white.
 */
export const BRAND_COLOR_USES = {
  primaryColor: { label: "Main colour", against: "#ffffff", use: "white button text and links on the white page" },
  accentColor: { label: "Accent colour", against: "#ffffff", use: "the organization's name in the header, on white" },
} as const;

/** Refuses a colour that would put text below 4.5:1 (WCAG AA), with the ratio and the reason. */
const readable = (field: keyof typeof BRAND_COLOR_USES) => (value: string | undefined, ctx: z.RefinementCtx) => {
  if (!value) return;
  const { label, against, use } = BRAND_COLOR_USES[field];
  const ratio = contrastRatio(value, against);
  if (ratio < MIN_TEXT_CONTRAST) {
    ctx.addIssue({
      code: "custom",
      message: `${label} ${value} has a contrast of ${formatRatio(ratio)} with ${use}; text needs at least ${MIN_TEXT_CONTRAST}:1. Choose a darker colour.`,
    });
  }
};

export const brandingSchema = z.object({
  name: z.string().trim().min(2, "At least 2 characters").max(60),
  primaryColor: color.superRefine(readable("primaryColor")),
  accentColor: color.superRefine(readable("accentColor")),
  supportEmail: z.email("Enter an email address").max(254).optional().or(z.literal("").transform(() => undefined)),
  removeLogo: z.enum(["on", "true"]).optional(),
});

export const LOGO_MAX_BYTES = 512 * 1024;
const LOGO_TYPES = {
  png: { type: "image/png", magic: [0x89, 0x50, 0x4e, 0x47] },
  jpg: { type: "image/jpeg", magic: [0xff, 0xd8, 0xff] },
  webp: { type: "image/webp", magic: [0x52, 0x49, 0x46, 0x46] },
} as const;

/** A condition: the organization has an active, unexpired license that includes white_label. */
const whiteLabelled = (organizationIdColumn: unknown, t: number) => sql`EXISTS (
  SELECT 1 FROM ${licenses} WHERE ${licenses.organizationId} = ${organizationIdColumn} AND ${licenses.status} = 'active'
  AND ${licenses.expiresAt} > ${t} AND EXISTS (SELECT 1 FROM json_each(${licenses.features}) WHERE value = 'white_label'))`;

/** Throws 403 feature_locked (with the upgrade hint) unless the organization's license includes white-label. */
export async function requireWhiteLabel(app: AppContext, organizationId: string) {
  const row = await app.db.select({ ok: sql<number>`1` }).from(organizations).where(and(eq(organizations.id, organizationId), whiteLabelled(organizations.id, now()))).get();
  if (row) return;
  throw new AppError("feature_locked", `${FEATURES.white_label.label} is part of Coursemint ${TIERS.enterprise.name} licenses. Upgrade to unlock it.`, {
    details: { feature: "white_label", requiredTier: "enterprise", upgradeUrl: upgradeUrl("white_label") },
  });
}

export async function whiteLabelAvailable(app: AppContext, organizationId: string) {
  return requireWhiteLabel(app, organizationId).then(
    () => true,
    () => false,
  );
}

/** Sets the organization's branding; the logo (optional) is checked by its bytes and stored in R2. */
export async function updateBranding(app: AppContext, actor: Actor, organizationId: string, form: FormData) {
  const { organization } = await requireOrganizationAccess(app, actor, organizationId, "admin");
  await requireWhiteLabel(app, organization.id);
  const fields = Object.fromEntries([...form].filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const data = parseOrThrow(brandingSchema, fields);
  const logo = form.get("logo");
  let logoKey = data.removeLogo ? null : organization.brandLogoKey;
  if (logo instanceof File && logo.size > 0) {
    if (logo.size > LOGO_MAX_BYTES) throw AppError.validation({ logo: ["The logo must be at most 512 KB"] });
    const bytes = new Uint8Array(await logo.arrayBuffer());
    const kind = (Object.keys(LOGO_TYPES) as (keyof typeof LOGO_TYPES)[]).find((k) => LOGO_TYPES[k].magic.every((b, i) => bytes[i] === b));
    if (!kind || (kind === "webp" && String.fromCharCode(...bytes.slice(8, 12)) !== "WEBP")) {
      throw AppError.validation({ logo: ["Upload a PNG, JPEG or WebP image"] });
    }
    logoKey = `branding/${organization.id}/${randomToken(8)}.${kind}`;
    await app.env.UPLOADS.put(logoKey, bytes, { httpMetadata: { contentType: LOGO_TYPES[kind].type } });
  }
  const set = {
    brandName: data.name,
    brandPrimaryColor: data.primaryColor ?? null,
    brandAccentColor: data.accentColor ?? null,
    brandSupportEmail: data.supportEmail ?? null,
    brandLogoKey: logoKey,
    updatedAt: now(),
  };
  await app.db.batch([
    app.db.update(organizations).set(set).where(eq(organizations.id, organization.id)),
    auditInsert(app, {
      actorId: actor.id,
      action: "organization.branding_updated",
      targetType: "organization",
      targetId: organization.id,
      metadata: { name: set.brandName, primaryColor: set.brandPrimaryColor, accentColor: set.brandAccentColor, supportEmail: set.brandSupportEmail, logo: logoKey !== organization.brandLogoKey ? (logoKey ? "replaced" : "removed") : "unchanged" },
    }),
  ]);
  if (organization.brandLogoKey && organization.brandLogoKey !== logoKey) app.ctx.waitUntil(app.env.UPLOADS.delete(organization.brandLogoKey).catch(() => undefined));
  return set;
}

const brandColumns = {
  organizationId: organizations.id,
  name: organizations.brandName,
  logoKey: organizations.brandLogoKey,
  primaryColor: organizations.brandPrimaryColor,
  accentColor: organizations.brandAccentColor,
  supportEmail: organizations.brandSupportEmail,
  updatedAt: organizations.updatedAt,
};

type BrandRow = { organizationId: string; name: string | null; logoKey: string | null; primaryColor: string | null; accentColor: string | null; supportEmail: string | null; updatedAt: number };

function toBrand(app: Pick<AppContext, "config">, row: BrandRow | undefined): Brand | null {
  if (!row || !row.name) return null;
  return {
    themeUrl: row.primaryColor || row.accentColor ? `/branding/${row.organizationId}/theme.css?v=${themeVersion(row)}` : null,
    organizationId: row.organizationId,
    name: row.name,
    logoUrl: row.logoKey ? `${app.config.APP_URL}/branding/${row.logoKey.split("/").slice(1).join("/")}` : null,
    primaryColor: row.primaryColor,
    accentColor: row.accentColor,
    supportEmail: row.supportEmail,
  };
}

/**
 * What the header needs from the user behind the request's session cookie: their organization's
 * branding (null unless white-labelled) and whether they own or administer an organization (the
 * "Enterprise" link, so self-serve Enterprise buyers find theirs). Found from the cookie alone, in
 * one D1 batch, so it runs beside the session lookup (root loader: one sequential round trip for
 * all, issue 16). Nothing without a live session; callers use it only when that session's user is
 * the one signed in.
 */
export async function headerForSession(app: AppContext, request: Request): Promise<{ brand: Brand | null; managesOrganization: boolean }> {
  const tokenHash = await sessionTokenHash(app, request);
  if (!tokenHash) return { brand: null, managesOrganization: false };
  const t = now();
  const live = and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, t));
  const [brandRows, manages] = await app.db.batch([
    app.db
      .select(brandColumns)
      .from(sessions)
      .innerJoin(organizationMembers, eq(organizationMembers.userId, sessions.userId))
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(and(live, gt(sql`length(${organizations.brandName})`, 0), whiteLabelled(organizations.id, t)))
      .orderBy(organizationMembers.createdAt)
      .limit(1),
    app.db
      .select({ ok: sql<number>`1` })
      .from(sessions)
      .innerJoin(organizationMembers, eq(organizationMembers.userId, sessions.userId))
      .where(and(live, inArray(organizationMembers.role, ["owner", "admin"])))
      .limit(1),
  ]);
  return { brand: toBrand(app, brandRows[0]), managesOrganization: manages.length > 0 };
}

/** The branding of the email's recipient, by address (used by the email consumer). */
export async function brandingForEmail(app: AppContext, email: string): Promise<Brand | null> {
  const row = await app.db
    .select(brandColumns)
    .from(users)
    .innerJoin(organizationMembers, eq(organizationMembers.userId, users.id))
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(and(eq(users.email, email.toLowerCase()), gt(sql`length(${organizations.brandName})`, 0), whiteLabelled(organizations.id, now())))
    .orderBy(organizationMembers.createdAt)
    .get();
  return toBrand(app, row);
}

/** GET /branding/:organizationId/:file — a public logo (keys are random, so URLs are immutable). */
export async function serveLogo(app: AppContext, organizationId: string, file: string) {
  if (!/^org_[0-9a-z]{26}$/.test(organizationId) || !/^[0-9a-f]{16}\.(png|jpg|webp)$/.test(file)) throw AppError.notFound("Logo");
  const object = await app.env.UPLOADS.get(`branding/${organizationId}/${file}`);
  if (!object) throw AppError.notFound("Logo");
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("Cache-Control", "public, max-age=31536000, immutable");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
  return new Response(object.body, { headers });
}

const HEX = /^#[0-9a-fA-F]{6}$/;

/** The version in the stylesheet's URL: the colours themselves, so a new pair is a new URL (cached forever). */
const themeVersion = (row: Pick<BrandRow, "primaryColor" | "accentColor">) => `${(row.primaryColor ?? "").slice(1)}${(row.accentColor ?? "").slice(1)}`.toLowerCase() || "none";

/** The stylesheet of an organization's colours (plain CSS custom properties and two rules). */
export function themeCss(colors: { primaryColor: string | null; accentColor: string | null }) {
  const lines = ["/* White-label colours (app/modules/licensing/branding.server.ts) */"];
  const root: string[] = [];
  if (colors.primaryColor && HEX.test(colors.primaryColor)) {
    root.push(`--mint: ${colors.primaryColor};`, `--mint-dark: color-mix(in srgb, ${colors.primaryColor} 82%, #000);`);
  }
  if (colors.accentColor && HEX.test(colors.accentColor)) root.push(`--brand-accent: ${colors.accentColor};`);
  lines.push(`:root { ${root.join(" ")} }`);
  if (colors.accentColor && HEX.test(colors.accentColor)) {
    lines.push(".site-header { border-bottom: 4px solid var(--brand-accent); }", ".site-header .brand { color: var(--brand-accent); }");
  }
  return `${lines.join("\n")}\n`;
}

/**
 * GET /branding/:organizationId/theme.css?v=… — the organization's colours as a stylesheet. Public
 * (colours are not secret) and cached for a year under its versioned URL; an old version answers
 * with the current colours, briefly cached, so a stale page still gets today's colours.
 */
export async function serveTheme(app: AppContext, organizationId: string, version: string | null) {
  if (!/^org_[0-9a-z]{26}$/.test(organizationId)) throw AppError.notFound("Theme");
  const row = await app.db
    .select({ primaryColor: organizations.brandPrimaryColor, accentColor: organizations.brandAccentColor })
    .from(organizations)
    .where(and(eq(organizations.id, organizationId), whiteLabelled(organizations.id, now())))
    .get();
  if (!row) throw AppError.notFound("Theme");
  const current = version === themeVersion(row);
  return new Response(themeCss(row), {
    headers: {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": current ? "public, max-age=31536000, immutable" : "public, max-age=60",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

