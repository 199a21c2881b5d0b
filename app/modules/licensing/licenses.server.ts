import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { FEATURE_NAMES } from "~/modules/subscriptions/tiers";
import { DAY, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { licenseMachines, licenses, organizations, users } from "~drizzle/schema";
import type { LicenseStatus } from "~drizzle/schema/enums";
import { signingKeys, signLicenseFile, signLicenseKey, verifyLicenseKey, type KeyPayload } from "./keys.server";
import { organizationIdSchema, organizationInserts, requireOrganizationAccess, type Actor } from "./organizations.server";
import { invalidateLicenseStatus } from "./status-cache.server";
import { LICENSE_TIERS, licenseDefaults } from "./tiers";

export type License = typeof licenses.$inferSelect;
export type Machine = typeof licenseMachines.$inferSelect;

export const licenseIdSchema = z.string().regex(/^lic_[0-9a-z]{26}$/, "Unknown license");

/** The API shape of a license (dates as epoch ms, like the rest of the API). */
export function toPublicLicense(l: License) {
  return {
    id: l.id,
    organizationId: l.organizationId,
    tier: l.tier,
    status: l.status,
    source: l.source,
    features: l.features,
    maxSeats: l.maxSeats,
    maxMachines: l.maxMachines,
    metadata: l.metadata,
    startsAt: l.startsAt,
    expiresAt: l.expiresAt,
    autoRenews: l.autoRenews,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
}

export const toPublicMachine = (m: Machine) => ({
  id: m.id,
  licenseId: m.licenseId,
  fingerprint: m.fingerprint,
  name: m.name,
  firstSeenAt: m.firstSeenAt,
  lastSeenAt: m.lastSeenAt,
  active: m.deactivatedAt === null,
});

/** The key for the license's current terms (Ed25519 is deterministic: same terms, same key). */
export async function licenseKeyFor(app: AppContext, license: License): Promise<string> {
  const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
  return signLicenseKey(keys, {
    licenseId: license.id,
    organizationId: license.organizationId,
    tier: license.tier,
    features: license.features,
    maxSeats: license.maxSeats,
    maxMachines: license.maxMachines,
    issuedAt: license.updatedAt,
    expiresAt: license.expiresAt,
  });
}

// ---------------------------------------------------------------- admin: create and change

const dateOrMs = z.union([z.number().int().positive(), z.iso.date().transform((d) => Date.parse(`${d}T23:59:59.999Z`)), z.iso.datetime().transform((d) => Date.parse(d))]);

export const createLicenseSchema = z
  .object({
    organizationId: organizationIdSchema.optional(),
    /** A new organization: its name and the email of its owner (an existing account). */
    organizationName: z.string().trim().min(2).max(120).optional(),
    ownerEmail: z.email().trim().toLowerCase().optional(),
    tier: z.enum(LICENSE_TIERS).default("enterprise"),
    expiresAt: dateOrMs.optional(),
    durationDays: z.coerce.number().int().min(1).max(3660).optional(),
    maxSeats: z.coerce.number().int().min(1).max(100_000).optional(),
    maxMachines: z.coerce.number().int().min(1).max(100_000).optional(),
    features: z.array(z.enum(FEATURE_NAMES)).max(32).optional(),
    metadata: z.record(z.string().max(64), z.string().max(500)).optional(),
  })
  .refine((d) => !!d.organizationId !== !!(d.organizationName && d.ownerEmail), {
    path: ["organizationId"],
    message: "Give either an organizationId or a new organization's name and owner email",
  })
  .refine((d) => d.expiresAt !== undefined || d.durationDays !== undefined, { path: ["expiresAt"], message: "Give an expiry date or a duration in days" });

/** Platform admins create licenses by hand (sales-led deals); the organization may be new. */
export async function createLicense(app: AppContext, admin: Actor, input: unknown) {
  const data = parseOrThrow(createLicenseSchema, input);
  const t = now();
  const expiresAt = data.expiresAt ?? t + data.durationDays! * DAY;
  if (expiresAt <= t) throw AppError.validation({ expiresAt: ["The expiry must be in the future"] });
  const statements = [];
  let organizationId = data.organizationId;
  if (organizationId) {
    const org = await app.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, organizationId)).get();
    if (!org) throw AppError.validation({ organizationId: ["No organization has this id"] });
  } else {
    const owner = await app.db.select({ id: users.id }).from(users).where(eq(users.email, data.ownerEmail!)).get();
    if (!owner) throw AppError.validation({ ownerEmail: ["No Coursemint account uses this email"] });
    const created = organizationInserts(app, { name: data.organizationName!, ownerId: owner.id, actorId: admin.id });
    organizationId = created.org.id;
    statements.push(...created.statements);
  }
  const defaults = licenseDefaults(data.tier);
  const license: License = {
    id: createId("license"),
    organizationId,
    tier: data.tier,
    status: "active",
    source: "manual",
    features: data.features ?? defaults.features,
    maxSeats: data.maxSeats ?? defaults.maxSeats,
    maxMachines: data.maxMachines ?? defaults.maxMachines,
    metadata: data.metadata ?? {},
    startsAt: t,
    expiresAt,
    suspendedReason: null,
    subscriptionId: null,
    autoRenews: false,
    createdAt: t,
    updatedAt: t,
  };
  const key = await licenseKeyFor(app, license); // before writing: a signing problem leaves nothing behind
  await app.db.batch([
    ...(statements as [never]),
    app.db.insert(licenses).values(license),
    auditInsert(app, {
      actorId: admin.id,
      action: "license.created",
      targetType: "license",
      targetId: license.id,
      metadata: { organizationId, tier: license.tier, expiresAt, maxSeats: license.maxSeats, maxMachines: license.maxMachines, source: "manual" },
    }),
  ]);
  app.logger.info("license.created", { licenseId: license.id, organizationId, userId: admin.id });
  return { license: toPublicLicense(license), key };
}

export const licenseActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("extend"), expiresAt: dateOrMs }),
  z.object({ action: z.literal("suspend"), reason: z.string().trim().max(300).optional() }),
  z.object({ action: z.literal("reinstate") }),
  z.object({ action: z.literal("revoke"), reason: z.string().trim().max(300).optional() }),
  z.object({
    action: z.literal("update_limits"),
    maxSeats: z.coerce.number().int().min(1).max(100_000).optional(),
    maxMachines: z.coerce.number().int().min(1).max(100_000).optional(),
  }),
]);

const ACTION_NAMES = {
  extend: { audit: "license.extended", verb: "extended" },
  suspend: { audit: "license.suspended", verb: "suspended" },
  reinstate: { audit: "license.reinstated", verb: "reinstated" },
  revoke: { audit: "license.revoked", verb: "revoked" },
  update_limits: { audit: "license.limits_changed", verb: "changed" },
} as const;

const ALLOWED_FROM: Record<string, LicenseStatus[]> = {
  extend: ["active", "expired", "suspended"],
  suspend: ["active"],
  reinstate: ["suspended"],
  revoke: ["active", "suspended", "expired"],
  update_limits: ["active", "suspended", "expired"],
};

/** Extend, suspend, reinstate, revoke (final) or change limits; audited, and seen by validation at once here. */
export async function changeLicense(app: AppContext, admin: Actor, licenseId: string, input: unknown) {
  const data = parseOrThrow(licenseActionSchema, input);
  const license = await getLicense(app, licenseId);
  if (!ALLOWED_FROM[data.action]!.includes(license.status)) {
    throw new AppError("conflict", `A ${license.status} license cannot be ${ACTION_NAMES[data.action].verb}.`);
  }
  const t = now();
  let set: Partial<License>;
  switch (data.action) {
    case "extend":
      if (data.expiresAt <= t) throw AppError.validation({ expiresAt: ["The new expiry must be in the future"] });
      set = { expiresAt: data.expiresAt, ...(license.status === "expired" ? { status: "active" as const } : {}) };
      break;
    case "suspend":
      set = { status: "suspended", suspendedReason: "admin" };
      break;
    case "reinstate":
      set = { status: license.expiresAt <= t ? "expired" : "active", suspendedReason: null };
      break;
    case "revoke":
      set = { status: "revoked", suspendedReason: null, autoRenews: false };
      break;
    case "update_limits":
      set = { maxSeats: data.maxSeats ?? license.maxSeats, maxMachines: data.maxMachines ?? license.maxMachines };
      break;
  }
  return applyLicenseChange(app, license, set, {
    actorId: admin.id,
    action: ACTION_NAMES[data.action].audit,
    extra: "reason" in data && data.reason ? { reason: data.reason } : {},
  });
}

/**
 * Writes a change to a license together with its audit record (one batch), then drops the cached
 * status so validation sees it. The update is conditional on `updatedAt`, so two concurrent
 * changes cannot both apply to the same version.
 */
export async function applyLicenseChange(
  app: AppContext,
  license: License,
  set: Partial<License>,
  audit: { actorId: string | null; action: string; extra?: Record<string, unknown> },
): Promise<License> {
  const t = Math.max(now(), license.updatedAt + 1);
  const changed = Object.fromEntries(Object.entries(set).filter(([k, v]) => JSON.stringify(license[k as keyof License]) !== JSON.stringify(v)));
  if (!Object.keys(changed).length) return license;
  const [rows] = await app.db.batch([
    app.db
      .update(licenses)
      .set({ ...changed, updatedAt: t })
      .where(and(eq(licenses.id, license.id), eq(licenses.updatedAt, license.updatedAt)))
      .returning(),
    auditInsert(app, {
      actorId: audit.actorId,
      action: audit.action,
      targetType: "license",
      targetId: license.id,
      metadata: {
        organizationId: license.organizationId,
        from: Object.fromEntries(Object.keys(changed).map((k) => [k, license[k as keyof License]])),
        to: changed,
        ...audit.extra,
      },
    }),
  ]);
  const row = rows[0];
  if (!row) throw new AppError("conflict", "The license changed at the same time. Reload and try again.");
  await invalidateLicenseStatus(app, license.id);
  app.logger.info(audit.action, { licenseId: license.id, organizationId: license.organizationId, userId: audit.actorId });
  return row;
}

export async function getLicense(app: AppContext, licenseId: string): Promise<License> {
  const parsed = licenseIdSchema.safeParse(licenseId);
  const row = parsed.success ? await app.db.select().from(licenses).where(eq(licenses.id, parsed.data)).get() : undefined;
  if (!row) throw AppError.notFound("License");
  return row;
}

/** A license the actor may see (a member of its organization, or a platform admin); 404 otherwise. */
export async function getLicenseFor(app: AppContext, actor: Actor, licenseId: string, need: "member" | "admin" = "member") {
  const license = await getLicense(app, licenseId).catch(() => null);
  if (!license) throw AppError.notFound("License");
  const access = await requireOrganizationAccess(app, actor, license.organizationId, need);
  return { license, access };
}

export async function listLicenses(app: AppContext, filter: { organizationId?: string; status?: LicenseStatus } = {}) {
  return app.db
    .select({ license: licenses, organizationName: organizations.name })
    .from(licenses)
    .innerJoin(organizations, eq(organizations.id, licenses.organizationId))
    .where(and(filter.organizationId ? eq(licenses.organizationId, filter.organizationId) : undefined, filter.status ? eq(licenses.status, filter.status) : undefined))
    .orderBy(desc(licenses.id))
    .limit(200)
    .all();
}

export async function listMachines(app: AppContext, licenseIds: string[], opts: { activeOnly?: boolean } = {}) {
  if (!licenseIds.length) return [];
  return app.db
    .select()
    .from(licenseMachines)
    .where(and(inArray(licenseMachines.licenseId, licenseIds), opts.activeOnly ? isNull(licenseMachines.deactivatedAt) : undefined))
    .orderBy(desc(licenseMachines.lastSeenAt))
    .all();
}

// ---------------------------------------------------------------- activation (authenticated by the key)

export const fingerprintSchema = z.string().trim().min(8, "A fingerprint has at least 8 characters").max(255).regex(/^[\x21-\x7e]+$/, "Printable ASCII without spaces");

export const activateSchema = z.object({
  key: z.string().min(1).max(4096),
  fingerprint: fingerprintSchema,
  name: z.string().trim().min(1).max(120).optional(),
});
export const deactivateSchema = activateSchema.pick({ key: true, fingerprint: true });

/** Verifies the key (no I/O) and loads its license, refusing keys that cannot activate anything. */
async function licenseForKey(app: AppContext, key: string): Promise<{ payload: KeyPayload; license: License }> {
  const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
  const verified = await verifyLicenseKey(keys, key);
  if (!verified.ok) throw new AppError("forbidden", "This license key is not valid.", { details: { code: "INVALID_KEY" } });
  const license = await app.db.select().from(licenses).where(eq(licenses.id, verified.payload.licenseId)).get();
  if (!license) throw new AppError("forbidden", "This license does not exist.", { details: { code: "NOT_FOUND" } });
  return { payload: verified.payload, license };
}

function assertUsable(license: License) {
  const code = license.status === "revoked" ? "REVOKED" : license.status === "suspended" ? "SUSPENDED" : license.status === "expired" || license.expiresAt <= now() ? "EXPIRED" : null;
  if (code) throw new AppError("forbidden", `This license is ${code.toLowerCase()}.`, { details: { code } });
}

/**
 * Activates a machine on the key's license. Idempotent per fingerprint (the same machine again
 * answers with the same record and `created: false`). The machine limit is enforced by the
 * insert (INSERT … SELECT … WHERE active < limit), so concurrent activations cannot pass it.
 */
export async function activateMachine(app: AppContext, input: unknown) {
  const data = parseOrThrow(activateSchema, input);
  const { license } = await licenseForKey(app, data.key);
  assertUsable(license);
  const existing = await findMachine(app, license.id, data.fingerprint);
  if (existing && existing.deactivatedAt === null) return { license, machine: existing, created: false };
  const t = now();
  const id = createId("machine");
  const result = await app.db.run(sql`
    INSERT INTO license_machines (id, license_id, fingerprint, name, first_seen_at, last_seen_at, deactivated_at)
    SELECT ${id}, ${license.id}, ${data.fingerprint}, ${data.name ?? null}, ${t}, ${t}, NULL
    WHERE (SELECT count(*) FROM license_machines WHERE license_id = ${license.id} AND deactivated_at IS NULL) < ${license.maxMachines}
    ON CONFLICT (license_id, fingerprint) DO UPDATE
      SET deactivated_at = NULL, last_seen_at = excluded.last_seen_at, name = coalesce(excluded.name, license_machines.name)
      WHERE license_machines.deactivated_at IS NOT NULL`);
  const machine = await findMachine(app, license.id, data.fingerprint);
  if (result.meta.changes === 0) {
    // Either the limit is reached, or a concurrent call activated this very fingerprint.
    if (machine && machine.deactivatedAt === null) return { license, machine, created: false };
    throw new AppError("unprocessable", `This license allows ${license.maxMachines} active machine${license.maxMachines === 1 ? "" : "s"}; deactivate one first.`, {
      details: { code: "TOO_MANY_MACHINES", maxMachines: license.maxMachines },
    });
  }
  await auditInsert(app, {
    actorId: null,
    action: "license.machine_activated",
    targetType: "license",
    targetId: license.id,
    metadata: { organizationId: license.organizationId, machineId: machine!.id, fingerprint: data.fingerprint, name: data.name ?? null },
  }).run();
  await invalidateLicenseStatus(app, license.id);
  app.logger.info("license.machine_activated", { licenseId: license.id, machineId: machine!.id });
  return { license, machine: machine!, created: true };
}

/** Deactivates a machine by key + fingerprint (the customer's software) — idempotent. */
export async function deactivateMachineByKey(app: AppContext, input: unknown) {
  const data = parseOrThrow(deactivateSchema, input);
  const { license } = await licenseForKey(app, data.key);
  const machine = await findMachine(app, license.id, data.fingerprint);
  if (!machine) throw new AppError("not_found", "No machine with this fingerprint is activated on this license.", { details: { code: "NO_MACHINE" } });
  return deactivate(app, license, machine, null);
}

/** Deactivates a machine from the enterprise dashboard (organization admins, platform admins). */
/** A machine the actor administers (its organization's admin, or a platform admin); 404 otherwise. */
export async function findMachineFor(app: AppContext, actor: Actor, machineId: string) {
  const machine = await app.db.select().from(licenseMachines).where(eq(licenseMachines.id, machineId)).get();
  if (!machine) throw AppError.notFound("Machine");
  const { license } = await getLicenseFor(app, actor, machine.licenseId, "admin");
  return { machine, license };
}

export async function deactivateMachineById(app: AppContext, actor: Actor, machineId: string) {
  const { machine, license } = await findMachineFor(app, actor, machineId);
  return deactivate(app, license, machine, actor.id);
}

async function deactivate(app: AppContext, license: License, machine: Machine, actorId: string | null) {
  if (machine.deactivatedAt !== null) return { machine, deactivated: false };
  const t = now();
  const [rows] = await app.db.batch([
    app.db.update(licenseMachines).set({ deactivatedAt: t }).where(and(eq(licenseMachines.id, machine.id), isNull(licenseMachines.deactivatedAt))).returning(),
    auditInsert(app, { actorId, action: "license.machine_deactivated", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId, machineId: machine.id, fingerprint: machine.fingerprint } }),
  ]);
  await invalidateLicenseStatus(app, license.id);
  return { machine: rows[0] ?? { ...machine, deactivatedAt: t }, deactivated: rows.length > 0 };
}

function findMachine(app: AppContext, licenseId: string, fingerprint: string) {
  return app.db.select().from(licenseMachines).where(and(eq(licenseMachines.licenseId, licenseId), eq(licenseMachines.fingerprint, fingerprint))).get();
}

// ---------------------------------------------------------------- offline license files

export const offlineFileSchema = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) });

/**
 * A signed, time-limited file for air-gapped installs: the license's terms plus the machines it
 * covers, valid for `days` (never past the license's expiry). Audited.
 */
export async function offlineLicenseFile(app: AppContext, actor: Actor, licenseId: string, input: unknown) {
  const { days } = parseOrThrow(offlineFileSchema, input);
  const { license } = await getLicenseFor(app, actor, licenseId, "admin");
  assertUsable(license);
  const machines = await listMachines(app, [license.id], { activeOnly: true });
  const t = now();
  const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
  const validUntil = Math.min(license.expiresAt, t + days * DAY);
  const file = await signLicenseFile(keys, {
    licenseId: license.id,
    organizationId: license.organizationId,
    tier: license.tier,
    features: license.features,
    maxSeats: license.maxSeats,
    maxMachines: license.maxMachines,
    issuedAt: t,
    expiresAt: license.expiresAt,
    validUntil,
    machines: machines.map((m) => ({ fingerprint: m.fingerprint, name: m.name })),
  });
  await auditInsert(app, { actorId: actor.id, action: "license.offline_file_issued", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId, validUntil, machines: machines.length } }).run();
  return { licenseId: license.id, issuedAt: t, validUntil, machines: machines.length, file };
}
