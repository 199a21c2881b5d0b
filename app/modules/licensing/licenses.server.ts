import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { notifySeatsEnded } from "./seats.server";
import { auditInsert, auditInsertWhere } from "~/modules/audit/audit.server";
import { FEATURE_NAMES } from "~/modules/subscriptions/tiers";
import { DAY, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { chunk, inJsonArray } from "~/utils/db.server";
import { createId } from "~/utils/ids";
import { licenseKeys, licenseMachines, licenses, organizations, users } from "~drizzle/schema";
import { MACHINE_OVERAGES, type LicenseStatus, type MachineDeactivationReason } from "~drizzle/schema/enums";
import { base64UrlEncode, MAX_KEY_LENGTH, signingKeys, signLicenseFile, signLicenseKey, verifyLicenseKey, type KeyPayload } from "./keys.server";
import { CHECK_IN_POLICY, checkInDueAt, HEARTBEAT_POLICY, heartbeatDeadline, MACHINE_TOKEN_PREFIX, machineCeiling, ORIGINAL_KEY_ID } from "./policy";
import { enforce, type RateCheck } from "./rate-limit.server";
import { organizationIdSchema, organizationInserts, requireOrganizationAccess, type Actor } from "./organizations.server";
import { invalidateLicenseStatus } from "./status-cache.server";
import { LICENSE_TIERS, licenseDefaults } from "./tiers";

export type License = typeof licenses.$inferSelect;
export type Machine = typeof licenseMachines.$inferSelect;
export type LicenseKeyRow = typeof licenseKeys.$inferSelect;

/** Policy columns of a new license: no heartbeats, no check-ins, no overage, unless set. */
export const NO_POLICY = {
  heartbeatIntervalSeconds: null,
  heartbeatGraceSeconds: 0,
  checkInIntervalDays: null,
  lastCheckInAt: null,
  machineOverage: "none",
} as const satisfies Partial<License>;


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
    policy: {
      heartbeatIntervalSeconds: l.heartbeatIntervalSeconds,
      heartbeatGraceSeconds: l.heartbeatGraceSeconds,
      checkInIntervalDays: l.checkInIntervalDays,
      lastCheckInAt: l.lastCheckInAt,
      checkInDueAt: checkInDueAt(l),
      machineOverage: l.machineOverage,
      machineCeiling: machineCeiling(l.maxMachines, l.machineOverage),
    },
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
}


/** The API shape of a machine; `heartbeatDeadline` is when it is dead without a heartbeat (null without a heartbeat policy). */
export const toPublicMachine = (m: Machine, license?: Pick<License, "heartbeatIntervalSeconds" | "heartbeatGraceSeconds">) => ({
  id: m.id,
  licenseId: m.licenseId,
  fingerprint: m.fingerprint,
  name: m.name,
  firstSeenAt: m.firstSeenAt,
  lastSeenAt: m.lastSeenAt,
  lastHeartbeatAt: m.lastHeartbeatAt,
  heartbeatDeadline: license && m.deactivatedAt === null ? heartbeatDeadline(m.lastHeartbeatAt ?? m.firstSeenAt, license) : null,
  active: m.deactivatedAt === null,
  deactivatedAt: m.deactivatedAt,
  deactivatedReason: m.deactivatedReason,
});

/** The key `keyId` (a license_keys id, or null for the original key) for the license's current terms (deterministic). */
export async function licenseKeyFor(app: AppContext, license: License, keyId: string | null): Promise<string> {
  const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
  return signLicenseKey(keys, {
    licenseId: license.id,
    keyId: keyId ?? undefined,
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

/** Heartbeat, check-in and overage options of a license (docs/licensing.md#policies); null switches one off. */
export const policySchema = z.strictObject({
  heartbeatIntervalSeconds: z.number().int().min(HEARTBEAT_POLICY.minIntervalSeconds).max(HEARTBEAT_POLICY.maxIntervalSeconds).nullable().optional(),
  heartbeatGraceSeconds: z.number().int().min(0).max(HEARTBEAT_POLICY.maxGraceSeconds).optional(),
  checkInIntervalDays: z.number().int().min(CHECK_IN_POLICY.minDays).max(CHECK_IN_POLICY.maxDays).nullable().optional(),
  machineOverage: z.enum(MACHINE_OVERAGES).optional(),
});
export type PolicyInput = z.infer<typeof policySchema>;

/** The policy columns an input sets on a license (grace defaults with the interval; a new check-in policy starts its clock now). */
function policyColumns(input: PolicyInput, current: Pick<License, "heartbeatIntervalSeconds" | "heartbeatGraceSeconds" | "checkInIntervalDays">, t: number): Partial<License> {
  const set: Partial<License> = {};
  if (input.heartbeatIntervalSeconds !== undefined) {
    set.heartbeatIntervalSeconds = input.heartbeatIntervalSeconds;
    set.heartbeatGraceSeconds = input.heartbeatIntervalSeconds === null ? 0 : (input.heartbeatGraceSeconds ?? HEARTBEAT_POLICY.defaultGrace(input.heartbeatIntervalSeconds));
  } else if (input.heartbeatGraceSeconds !== undefined && current.heartbeatIntervalSeconds !== null) set.heartbeatGraceSeconds = input.heartbeatGraceSeconds;
  if (input.checkInIntervalDays !== undefined) {
    set.checkInIntervalDays = input.checkInIntervalDays;
    if (input.checkInIntervalDays !== null && current.checkInIntervalDays === null) set.lastCheckInAt = t;
  }
  if (input.machineOverage !== undefined) set.machineOverage = input.machineOverage;
  return set;
}

export const createLicenseSchema = z
  .strictObject({
    organizationId: organizationIdSchema.optional(),
    /** A new organization: its name and the email of its owner (an existing account). */
    organizationName: z.string().trim().min(2).max(120).optional(),
    ownerEmail: z.email().trim().toLowerCase().optional(),
    tier: z.enum(LICENSE_TIERS).default("enterprise"),
    expiresAt: dateOrMs.optional(),
    durationDays: z.number().int().min(1).max(3660).optional(),
    maxSeats: z.number().int().min(1).max(100_000).optional(),
    maxMachines: z.number().int().min(1).max(100_000).optional(),
    features: z.array(z.enum(FEATURE_NAMES)).max(32).optional(),
    metadata: z.record(z.string().max(64), z.string().max(500)).optional(),
    policy: policySchema.optional(),
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
    ...NO_POLICY,
    ...policyColumns(data.policy ?? {}, NO_POLICY, t),
    originalKeyRevokedAt: t, // born with keys that have ids only (hasOriginalKey)
    createdAt: t,
    updatedAt: t,
  };
  const keyRow = newKeyRow(license.id, "Default key", admin.id, t);
  const key = await licenseKeyFor(app, license, keyRow.id); // before writing: a signing problem leaves nothing behind
  await app.db.batch([
    ...(statements as [never]),
    app.db.insert(licenses).values(license),
    app.db.insert(licenseKeys).values(keyRow),
    auditInsert(app, {
      actorId: admin.id,
      action: "license.created",
      targetType: "license",
      targetId: license.id,
      metadata: { organizationId, tier: license.tier, expiresAt, maxSeats: license.maxSeats, maxMachines: license.maxMachines, source: "manual", keyId: keyRow.id, policy: toPublicLicense(license).policy },
    }),
  ]);
  app.logger.info("license.created", { licenseId: license.id, organizationId, userId: admin.id });
  return { license: toPublicLicense(license), key };
}

export const licenseActionSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("extend"), expiresAt: dateOrMs }),
  z.strictObject({ action: z.literal("suspend"), reason: z.string().trim().max(300).optional() }),
  z.strictObject({ action: z.literal("reinstate") }),
  z.strictObject({ action: z.literal("revoke"), reason: z.string().trim().max(300).optional() }),
  z.strictObject({
    action: z.literal("update_limits"),
    maxSeats: z.coerce.number().int().min(1).max(100_000).optional(),
    maxMachines: z.coerce.number().int().min(1).max(100_000).optional(),
  }),
  z.strictObject({ action: z.literal("update_policy"), policy: policySchema }),
]);

const ACTION_NAMES = {
  extend: { audit: "license.extended", verb: "extended" },
  suspend: { audit: "license.suspended", verb: "suspended" },
  reinstate: { audit: "license.reinstated", verb: "reinstated" },
  revoke: { audit: "license.revoked", verb: "revoked" },
  update_limits: { audit: "license.limits_changed", verb: "changed" },
  update_policy: { audit: "license.policy_changed", verb: "changed" },
} as const;

const ALLOWED_FROM: Record<string, LicenseStatus[]> = {
  extend: ["active", "expired", "suspended"],
  suspend: ["active"],
  reinstate: ["suspended"],
  revoke: ["active", "suspended", "expired"],
  update_limits: ["active", "suspended", "expired"],
  update_policy: ["active", "suspended", "expired"],
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
    case "update_policy":
      set = policyColumns(data.policy, license, t);
      if (set.heartbeatIntervalSeconds && license.heartbeatIntervalSeconds === null) {
        // A new heartbeat policy starts every active machine's clock now, not at its activation
        // (before the policy is written, so no cull can see an old time under the new policy).
        await app.db
          .update(licenseMachines)
          .set({ lastHeartbeatAt: sql`max(coalesce(${licenseMachines.lastHeartbeatAt}, 0), ${t})` })
          .where(and(eq(licenseMachines.licenseId, license.id), isNull(licenseMachines.deactivatedAt)));
      }
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
  // Its members' seats ended with this change (the entitlement already reads it so): tell them.
  if (license.status === "active" && row.status !== "active") {
    await notifySeatsEnded(app, row).catch((error: unknown) => app.logger.error("organization.seat_notice_failed", { error, licenseId: row.id }));
  }
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
    .where(and(inJsonArray(licenseMachines.licenseId, licenseIds), opts.activeOnly ? isNull(licenseMachines.deactivatedAt) : undefined))
    .orderBy(desc(licenseMachines.lastSeenAt))
    .all();
}

// ---------------------------------------------------------------- keys (several per license, each revocable)

export const licenseKeyIdSchema = z.union([z.literal(ORIGINAL_KEY_ID), z.string().regex(/^lky_[0-9a-z]{26}$/)], { error: "Unknown key" });
export const issueKeySchema = z.strictObject({ label: z.string().trim().min(1).max(80).default("New key") });
export const revokeKeySchema = z.strictObject({ reason: z.string().trim().max(300).optional() });

const newKeyRow = (licenseId: string, label: string, createdBy: string | null, t: number): LicenseKeyRow => ({
  id: createId("licenseKey"),
  licenseId,
  label,
  createdBy,
  createdAt: t,
  revokedAt: null,
  revokedBy: null,
  revokedReason: null,
});

/** Statements that give a new license its first key (for a batch with the license's insert). */
export function firstKeyInsert(app: AppContext, licenseId: string, t: number) {
  const row = newKeyRow(licenseId, "Default key", null, t);
  return { row, statement: app.db.insert(licenseKeys).values(row) };
}

export type PublicLicenseKey = { id: string; label: string; createdAt: number; revokedAt: number | null; revokedReason: string | null; key: string | null };

/**
 * The keys of licenses, oldest first, each with its key string for the current terms (null once
 * revoked, for callers that may not see keys, and when the license is revoked). Licenses from
 * before per-key management also list their original key (no key id); licenses created since
 * are born with `originalKeyRevokedAt = createdAt` (no original key was ever issued) and do not.
 */
export async function licenseKeysOf(app: AppContext, list: License[], opts: { withKeys: boolean }): Promise<Map<string, PublicLicenseKey[]>> {
  const out = new Map<string, PublicLicenseKey[]>();
  if (!list.length) return out;
  const rows = (
    await Promise.all(chunk(list.map((l) => l.id), 90).map((ids) => app.db.select().from(licenseKeys).where(inArray(licenseKeys.licenseId, ids)).orderBy(asc(licenseKeys.createdAt)).all()))
  ).flat();
  for (const license of list) {
    const sign = (keyId: string | null, revoked: boolean) => (opts.withKeys && !revoked && license.status !== "revoked" ? licenseKeyFor(app, license, keyId) : Promise.resolve(null));
    const keys: PublicLicenseKey[] = [];
    if (hasOriginalKey(license)) {
      keys.push({ id: ORIGINAL_KEY_ID, label: "Original key", createdAt: license.createdAt, revokedAt: license.originalKeyRevokedAt, revokedReason: null, key: await sign(null, license.originalKeyRevokedAt !== null) });
    }
    for (const r of rows.filter((r) => r.licenseId === license.id)) {
      keys.push({ id: r.id, label: r.label, createdAt: r.createdAt, revokedAt: r.revokedAt, revokedReason: r.revokedReason, key: await sign(r.id, r.revokedAt !== null) });
    }
    out.set(license.id, keys);
  }
  return out;
}

/** Whether the license was ever given an original key (one without a key id): only licenses from before per-key management. */
const hasOriginalKey = (l: Pick<License, "originalKeyRevokedAt" | "createdAt">) => l.originalKeyRevokedAt !== l.createdAt;

/** The newest usable key of a license (for the API's `key` field), or null. */
export async function currentKeyOf(app: AppContext, license: License): Promise<string | null> {
  const keys = (await licenseKeysOf(app, [license], { withKeys: true })).get(license.id) ?? [];
  return [...keys].reverse().find((k) => k.key)?.key ?? null;
}

/** Issues another key for a license (its organization's admins, platform admins); audited. */
export async function issueLicenseKey(app: AppContext, actor: Actor, licenseId: string, input: unknown) {
  const { label } = parseOrThrow(issueKeySchema, input ?? {});
  const { license } = await getLicenseFor(app, actor, licenseId, "admin");
  if (license.status === "revoked") throw new AppError("conflict", "A revoked license cannot have new keys.");
  const t = now();
  const row = newKeyRow(license.id, label, actor.id, t);
  const key = await licenseKeyFor(app, license, row.id);
  await app.db.batch([
    app.db.insert(licenseKeys).values(row),
    auditInsert(app, { actorId: actor.id, action: "license.key_issued", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId, keyId: row.id, label } }),
  ]);
  app.logger.info("license.key_issued", { licenseId: license.id, keyId: row.id, userId: actor.id });
  return { key: { id: row.id, label, createdAt: t, revokedAt: null, revokedReason: null, key } satisfies PublicLicenseKey, license };
}

/** The key an organization admin may revoke (checked as revoking checks it; the page asks first). */
export async function findLicenseKeyFor(app: AppContext, actor: Actor, licenseId: string, keyId: string) {
  const { license } = await getLicenseFor(app, actor, licenseId, "admin");
  const parsed = licenseKeyIdSchema.safeParse(keyId);
  if (!parsed.success) throw AppError.notFound("Key");
  const keys = (await licenseKeysOf(app, [license], { withKeys: false })).get(license.id) ?? [];
  const key = keys.find((k) => k.id === parsed.data);
  if (!key) throw AppError.notFound("Key");
  return { license, key };
}

/**
 * Revokes one key: validation with it answers KEY_REVOKED (here at once, everywhere within the
 * status cache bound); the license's other keys and its machines are untouched. Idempotent; audited.
 */
export async function revokeLicenseKey(app: AppContext, actor: Actor, licenseId: string, keyId: string, input: unknown) {
  const { reason } = parseOrThrow(revokeKeySchema, input ?? {});
  const { license, key } = await findLicenseKeyFor(app, actor, licenseId, keyId);
  if (key.revokedAt !== null) return { key, revoked: false };
  const t = now();
  const audit = auditInsert(app, { actorId: actor.id, action: "license.key_revoked", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId, keyId: key.id, label: key.label, reason: reason ?? null } });
  const [rows] =
    key.id === ORIGINAL_KEY_ID
      ? await app.db.batch([app.db.update(licenses).set({ originalKeyRevokedAt: t }).where(and(eq(licenses.id, license.id), isNull(licenses.originalKeyRevokedAt))).returning({ id: licenses.id }), audit])
      : await app.db.batch([
          app.db
            .update(licenseKeys)
            .set({ revokedAt: t, revokedBy: actor.id, revokedReason: reason ?? null })
            .where(and(eq(licenseKeys.id, key.id), isNull(licenseKeys.revokedAt)))
            .returning({ id: licenseKeys.id }),
          audit,
        ]);
  await invalidateLicenseStatus(app, license.id);
  app.logger.info("license.key_revoked", { licenseId: license.id, keyId: key.id, userId: actor.id });
  return { key: { ...key, revokedAt: t, revokedReason: reason ?? null, key: null }, revoked: rows.length > 0 };
}

// ---------------------------------------------------------------- activation (authenticated by the key)

export const fingerprintSchema = z.string().trim().min(8, "A fingerprint has at least 8 characters").max(255).regex(/^[\x21-\x7e]+$/, "Printable ASCII without spaces");
const keyString = z.string().min(1).max(MAX_KEY_LENGTH);
export const machineTokenSchema = z.string().regex(/^cmm_[A-Za-z0-9_-]{43}$/, "Not a machine token");

export const activateSchema = z.strictObject({
  key: keyString,
  fingerprint: fingerprintSchema,
  name: z.string().trim().min(1).max(120).optional(),
});
export const deactivateSchema = z.strictObject({ machineToken: machineTokenSchema });
export const heartbeatSchema = deactivateSchema;
export const checkInSchema = z.strictObject({ key: keyString });

/** Who calls a key-authenticated endpoint: the client address (CF-Connecting-IP), for rate limits. */
export type Caller = { ip: string };

const changeLimits = (licenseId: string, caller: Caller): RateCheck[] => [
  { name: "changeClient", key: caller.ip, by: "address" },
  { name: "changeLicense", key: licenseId, by: "license" },
];

/**
 * Verifies the key (no I/O), counts the call against the per-license and per-client limits, and
 * loads its license with the key's row: keys that cannot act are refused with their validation code.
 */
async function licenseForKey(app: AppContext, key: string, caller: Caller, what: string): Promise<{ payload: KeyPayload; license: License }> {
  const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
  const verified = await verifyLicenseKey(keys, key);
  if (!verified.ok) throw new AppError("forbidden", "This license key is not valid.", { details: { code: "INVALID_KEY" } });
  await enforce(app, changeLimits(verified.payload.licenseId, caller), what);
  const keyId = verified.payload.keyId;
  const [license, keyRow] = await Promise.all([
    app.db.select().from(licenses).where(eq(licenses.id, verified.payload.licenseId)).get(),
    keyId ? app.db.select({ revokedAt: licenseKeys.revokedAt }).from(licenseKeys).where(and(eq(licenseKeys.id, keyId), eq(licenseKeys.licenseId, verified.payload.licenseId))).get() : undefined,
  ]);
  if (!license) throw new AppError("forbidden", "This license does not exist.", { details: { code: "NOT_FOUND" } });
  const revoked = keyId ? !keyRow || keyRow.revokedAt !== null : license.originalKeyRevokedAt !== null;
  if (revoked) throw new AppError("forbidden", "This license key has been revoked; use another key of the license.", { details: { code: "KEY_REVOKED" } });
  return { payload: verified.payload, license };
}

function assertUsable(license: License) {
  const code = license.status === "revoked" ? "REVOKED" : license.status === "suspended" ? "SUSPENDED" : license.status === "expired" || license.expiresAt <= now() ? "EXPIRED" : null;
  if (code) throw new AppError("forbidden", `This license is ${code.toLowerCase()}.`, { details: { code } });
}

/** A new machine token: shown once to the activating software; only its SHA-256 is stored. */
async function newMachineToken() {
  const token = `${MACHINE_TOKEN_PREFIX}${base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { token, hash: await hashMachineToken(token) };
}

export async function hashMachineToken(token: string) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * SQL: the machine (alias `m`) has missed its heartbeats under its license's policy (alias `l`)
 * at time `t`: dead machines hold no slot.
 */
const deadSql = (t: number) =>
  sql.raw(`(l.heartbeat_interval_seconds IS NOT NULL AND coalesce(m.last_heartbeat_at, m.first_seen_at) + (l.heartbeat_interval_seconds + l.heartbeat_grace_seconds) * 1000 < ${Math.trunc(t)})`);

/**
 * Deactivates the dead machines of one license (or of every license with a heartbeat policy) as
 * `heartbeat_dead`, with an audit record each. One UPDATE … RETURNING decides which machines, so
 * a cull racing an activation or another cull deactivates each machine once.
 */
export async function cullDeadMachines(app: AppContext, licenseId?: string) {
  const t = now();
  const culled = await app.db.all<{ id: string; license_id: string; fingerprint: string }>(sql`
    UPDATE license_machines AS m SET deactivated_at = ${t}, deactivated_reason = 'heartbeat_dead'
    WHERE m.deactivated_at IS NULL ${licenseId ? sql`AND m.license_id = ${licenseId}` : sql``}
      AND m.id IN (
        SELECT m.id FROM license_machines m JOIN licenses l ON l.id = m.license_id
        WHERE m.deactivated_at IS NULL ${licenseId ? sql`AND m.license_id = ${licenseId}` : sql``} AND ${deadSql(t)}
        LIMIT 500)
    RETURNING id, license_id, fingerprint`);
  if (!culled.length) return culled;
  const [first, ...rest] = culled.map((m) =>
    auditInsert(app, { actorId: null, action: "license.machine_dead", targetType: "license", targetId: m.license_id, metadata: { machineId: m.id, fingerprint: m.fingerprint, reason: "heartbeat_dead" } }),
  );
  await app.db.batch([first!, ...rest]);
  for (const id of new Set(culled.map((m) => m.license_id))) await invalidateLicenseStatus(app, id);
  app.logger.info("license.machines_culled", { licenseId, machines: culled.length });
  return culled;
}

/**
 * Activates a machine on the key's license and returns its machine token (once). The same
 * fingerprint while it is active is refused (409 FINGERPRINT_TAKEN): its token is the only proof of
 * being that machine; a machine activated before tokens existed gets one by activating again.
 * Dead machines are culled first; the slot limit (maxMachines times the overage tolerance) is
 * enforced by the insert (INSERT … SELECT … WHERE living machines < ceiling), never by a count
 * read beforehand, so concurrent activations and culls cannot pass it.
 */
export async function activateMachine(app: AppContext, input: unknown, caller: Caller) {
  const data = parseOrThrow(activateSchema, input);
  const { license, payload } = await licenseForKey(app, data.key, caller, "activations");
  assertUsable(license);
  await cullDeadMachines(app, license.id);
  const before = await findMachine(app, license.id, data.fingerprint);
  if (before && before.deactivatedAt === null && before.tokenHash !== null) throw fingerprintTaken(before);
  const t = now();
  const { token, hash } = await newMachineToken();
  if (before && before.deactivatedAt === null) {
    // Activated before machine tokens: it holds its slot already and claims a token, once.
    const [claimed] = await app.db
      .update(licenseMachines)
      .set({ tokenHash: hash, keyId: payload.keyId ?? null, lastHeartbeatAt: t, lastSeenAt: t })
      .where(and(eq(licenseMachines.id, before.id), isNull(licenseMachines.tokenHash), isNull(licenseMachines.deactivatedAt)))
      .returning();
    if (!claimed) throw fingerprintTaken(before);
    await auditInsert(app, { actorId: null, action: "license.machine_token_issued", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId, machineId: claimed.id, fingerprint: claimed.fingerprint } }).run();
    await invalidateLicenseStatus(app, license.id);
    return { license, machine: claimed, created: false, machineToken: token };
  }
  const id = createId("machine");
  const ceiling = machineCeiling(license.maxMachines, license.machineOverage);
  const result = await app.db.run(sql`
    INSERT INTO license_machines (id, license_id, fingerprint, name, first_seen_at, last_seen_at, deactivated_at, deactivated_reason, token_hash, key_id, last_heartbeat_at)
    SELECT ${id}, ${license.id}, ${data.fingerprint}, ${data.name ?? null}, ${t}, ${t}, NULL, NULL, ${hash}, ${payload.keyId ?? null}, ${t}
    WHERE (SELECT count(*) FROM license_machines m JOIN licenses l ON l.id = m.license_id
           WHERE m.license_id = ${license.id} AND m.deactivated_at IS NULL AND NOT ${deadSql(t)}) < ${ceiling}
    ON CONFLICT (license_id, fingerprint) DO UPDATE
      SET deactivated_at = NULL, deactivated_reason = NULL, last_seen_at = excluded.last_seen_at, last_heartbeat_at = excluded.last_heartbeat_at,
          token_hash = excluded.token_hash, key_id = excluded.key_id, name = coalesce(excluded.name, license_machines.name)
      WHERE license_machines.deactivated_at IS NOT NULL`);
  const machine = (await findMachine(app, license.id, data.fingerprint))!;
  if (result.meta.changes === 0) {
    if (machine && machine.deactivatedAt === null) throw fingerprintTaken(machine); // a concurrent activation of this fingerprint won
    throw new AppError("unprocessable", `This license allows ${license.maxMachines} active machine${license.maxMachines === 1 ? "" : "s"}; deactivate one first.`, {
      details: { code: "TOO_MANY_MACHINES", maxMachines: license.maxMachines, machineCeiling: ceiling },
    });
  }
  await auditInsert(app, {
    actorId: null,
    action: "license.machine_activated",
    targetType: "license",
    targetId: license.id,
    metadata: { organizationId: license.organizationId, machineId: machine.id, fingerprint: data.fingerprint, name: data.name ?? null, keyId: payload.keyId ?? ORIGINAL_KEY_ID, tokenIssued: true },
  }).run();
  await invalidateLicenseStatus(app, license.id);
  app.logger.info("license.machine_activated", { licenseId: license.id, machineId: machine.id });
  return { license, machine, created: true, machineToken: token }; // new, or back after a deactivation (either takes a slot)
}

const fingerprintTaken = (machine: Machine) =>
  new AppError("conflict", "This fingerprint is already activated. Use the machine token it was given, or deactivate it first.", {
    details: { code: "FINGERPRINT_TAKEN", machineId: machine.id },
  });

/** The machine a token belongs to (any state), with its license; 404 NO_MACHINE for an unknown token. */
async function machineForToken(app: AppContext, token: string) {
  const hash = await hashMachineToken(token);
  const row = await app.db.select({ machine: licenseMachines, license: licenses }).from(licenseMachines).innerJoin(licenses, eq(licenses.id, licenseMachines.licenseId)).where(eq(licenseMachines.tokenHash, hash)).get();
  if (!row) throw new AppError("not_found", "No machine has this token.", { details: { code: "NO_MACHINE" } });
  return { ...row, hash };
}

/** Deactivates the machine its token names (the customer's software) — idempotent; rate-limited per license and client. */
export async function deactivateMachineByToken(app: AppContext, input: unknown, caller: Caller) {
  const data = parseOrThrow(deactivateSchema, input);
  const { machine, license } = await machineForToken(app, data.machineToken);
  await enforce(app, changeLimits(license.id, caller), "deactivations");
  return deactivate(app, license, machine, null, "key_holder");
}

/**
 * A heartbeat: the machine is alive until now + interval + grace. One conditional UPDATE, so any
 * number of concurrent heartbeats with one token touch that one machine and create nothing. A
 * machine already past its deadline is culled instead and answered 422 HEARTBEAT_DEAD (activate
 * again for a new token); a deactivated machine is 404 NO_MACHINE.
 */
export async function machineHeartbeat(app: AppContext, input: unknown, caller: Caller) {
  const data = parseOrThrow(heartbeatSchema, input);
  const hash = await hashMachineToken(data.machineToken);
  await enforce(app, [{ name: "heartbeatMachine", key: hash, by: "machine" }, { name: "validateClient", key: caller.ip, by: "address" }], "heartbeats");
  const t = now();
  const rows = await app.db.all<{ id: string }>(sql`
    UPDATE license_machines AS m SET last_heartbeat_at = max(coalesce(m.last_heartbeat_at, 0), ${t}), last_seen_at = max(m.last_seen_at, ${t})
    WHERE m.token_hash = ${hash} AND m.deactivated_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.id = m.license_id AND ${deadSql(t)})
    RETURNING id`);
  const { machine, license } = await machineForToken(app, data.machineToken);
  if (rows.length) return { machine, license };
  if (machine.deactivatedAt === null) await cullDeadMachines(app, license.id); // dead, not culled yet
  const after = await findMachine(app, license.id, machine.fingerprint);
  if (after?.deactivatedReason === "heartbeat_dead") {
    throw new AppError("unprocessable", "This machine missed its heartbeats and was deactivated; activate it again.", { details: { code: "HEARTBEAT_DEAD", machineId: machine.id } });
  }
  throw new AppError("not_found", "This machine was deactivated; activate it again.", { details: { code: "NO_MACHINE", machineId: machine.id } });
}

/**
 * A check-in: the license is in touch and will not be OVERDUE for another checkInIntervalDays.
 * By key (rate-limited per license and client); refused like activation for keys that cannot act.
 */
export async function checkInLicense(app: AppContext, input: unknown, caller: Caller) {
  const data = parseOrThrow(checkInSchema, input);
  const { license } = await licenseForKey(app, data.key, caller, "check-ins");
  assertUsable(license);
  const t = now();
  const [rows] = await app.db.batch([
    app.db.update(licenses).set({ lastCheckInAt: sql`max(coalesce(${licenses.lastCheckInAt}, 0), ${t})` }).where(eq(licenses.id, license.id)).returning(),
    auditInsert(app, { actorId: null, action: "license.checked_in", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId } }),
  ]);
  await invalidateLicenseStatus(app, license.id);
  const updated = rows[0] ?? license;
  return { license: updated, checkedInAt: t, nextCheckInBefore: checkInDueAt(updated) };
}

/** A machine the actor administers (its organization's admin, or a platform admin); 404 otherwise. */
export async function findMachineFor(app: AppContext, actor: Actor, machineId: string) {
  const machine = await app.db.select().from(licenseMachines).where(eq(licenseMachines.id, machineId)).get();
  if (!machine) throw AppError.notFound("Machine");
  const { license } = await getLicenseFor(app, actor, machine.licenseId, "admin");
  return { machine, license };
}

/** Deactivates a machine from the enterprise dashboard (organization admins, platform admins). */
export async function deactivateMachineById(app: AppContext, actor: Actor, machineId: string) {
  const { machine, license } = await findMachineFor(app, actor, machineId);
  return deactivate(app, license, machine, actor.id, "admin");
}

async function deactivate(app: AppContext, license: License, machine: Machine, actorId: string | null, reason: MachineDeactivationReason) {
  if (machine.deactivatedAt !== null) return { machine, deactivated: false };
  const t = now();
  const [rows] = await app.db.batch([
    app.db
      .update(licenseMachines)
      .set({ deactivatedAt: t, deactivatedReason: reason })
      .where(and(eq(licenseMachines.id, machine.id), isNull(licenseMachines.deactivatedAt)))
      .returning(),
    auditInsertWhere(
      app,
      { actorId, action: "license.machine_deactivated", targetType: "license", targetId: license.id, metadata: { organizationId: license.organizationId, machineId: machine.id, fingerprint: machine.fingerprint, reason } },
      licenseMachines,
      and(eq(licenseMachines.id, machine.id), eq(licenseMachines.deactivatedAt, t))!,
    ),
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
