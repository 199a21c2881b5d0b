import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs, flag } from "./columns";
import { LICENSE_SOURCES, LICENSE_STATUSES, MACHINE_DEACTIVATION_REASONS, MACHINE_OVERAGES, ORGANIZATION_ROLES, PAID_TIERS } from "./enums";

/**
 * An enterprise customer: members (one owner, admins, members) and licenses. The branding
 * columns are the white-label settings, used only while a license of the organization includes
 * the `white_label` feature (docs/licensing.md).
 */
export const organizations = sqliteTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    brandName: text("brand_name"),
    /** R2 key of the uploaded logo (bucket UPLOADS, under `branding/`). */
    brandLogoKey: text("brand_logo_key"),
    brandPrimaryColor: text("brand_primary_color"),
    brandAccentColor: text("brand_accent_color"),
    brandSupportEmail: text("brand_support_email"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [index("organizations_owner_idx").on(t.ownerId)],
);

/** Who belongs to an organization. Each member takes one seat of the organization's license. */
export const organizationMembers = sqliteTable(
  "organization_members",
  {
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ORGANIZATION_ROLES }).notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] }), index("organization_members_user_idx").on(t.userId)],
);

/**
 * A license of an organization. Features and limits start from the tier's configuration and may
 * be overridden per license. At most one license per organization comes from a subscription
 * (renewals extend it); admins add manual ones for sales-led deals.
 */
export const licenses = sqliteTable(
  "licenses",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    tier: text("tier", { enum: PAID_TIERS }).notNull(),
    status: text("status", { enum: LICENSE_STATUSES }).notNull(),
    source: text("source", { enum: LICENSE_SOURCES }).notNull(),
    /** JSON array of feature names. */
    features: text("features", { mode: "json" }).$type<string[]>().notNull(),
    maxSeats: integer("max_seats").notNull(),
    maxMachines: integer("max_machines").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    startsAt: epochMs("starts_at").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
    /** Why the license is suspended (`subscription_ended`, `admin`), so reinstating knows what it undoes. */
    suspendedReason: text("suspended_reason"),
    /** The subscription (our `sub_` id) that pays for it, for source = subscription. */
    subscriptionId: text("subscription_id"),
    /** True while a subscription renews it automatically (no renewal notices then). */
    autoRenews: flag("auto_renews").notNull().default(false),
    /**
     * Heartbeat policy: when set, an active machine that sends no heartbeat for this many seconds
     * plus the grace is dead and frees its slot (HEARTBEAT_DEAD). Null: no heartbeats required.
     */
    heartbeatIntervalSeconds: integer("heartbeat_interval_seconds"),
    heartbeatGraceSeconds: integer("heartbeat_grace_seconds").notNull().default(0),
    /** Check-in policy: the license must check in every N days, else validation answers OVERDUE. */
    checkInIntervalDays: integer("check_in_interval_days"),
    /** Last check-in (or when the check-in policy was set). */
    lastCheckInAt: epochMs("last_check_in_at"),
    /** How far past maxMachines activations may go (1.25x …); validation stays VALID within it. */
    machineOverage: text("machine_overage", { enum: MACHINE_OVERAGES }).notNull().default("none"),
    /**
     * Keys signed before per-key management carry no key id; they are the license's "original key"
     * and stop validating (KEY_REVOKED) once this is set.
     */
    originalKeyRevokedAt: epochMs("original_key_revoked_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    index("licenses_org_idx").on(t.organizationId, t.id),
    index("licenses_status_expires_idx").on(t.status, t.expiresAt),
    uniqueIndex("licenses_org_subscription_unique").on(t.organizationId).where(sql`source = 'subscription'`),
    // One license per subscription: two first activations at once (the checkout return and the
    // webhook) make one; the loser's batch, organization included, rolls back.
    uniqueIndex("licenses_subscription_unique").on(t.subscriptionId).where(sql`subscription_id is not null`),
  ],
);

/** A machine activated on a license, by the fingerprint the customer's software sends. */
export const licenseMachines = sqliteTable(
  "license_machines",
  {
    id: text("id").primaryKey(),
    licenseId: text("license_id")
      .notNull()
      .references(() => licenses.id, { onDelete: "cascade" }),
    fingerprint: text("fingerprint").notNull(),
    name: text("name"),
    firstSeenAt: epochMs("first_seen_at").notNull(),
    lastSeenAt: epochMs("last_seen_at").notNull(),
    /** Set when deactivated; activating the same fingerprint again clears it. */
    deactivatedAt: epochMs("deactivated_at"),
    deactivatedReason: text("deactivated_reason", { enum: MACHINE_DEACTIVATION_REASONS }),
    /**
     * SHA-256 (hex) of the machine token returned once by activation; deactivation and heartbeats
     * require the token. Null for machines activated before tokens (activating them again issues one).
     */
    tokenHash: text("token_hash"),
    /** The license key (license_keys.id) that activated it; null for the original key. */
    keyId: text("key_id"),
    /** Last heartbeat (activation counts as the first). */
    lastHeartbeatAt: epochMs("last_heartbeat_at"),
  },
  (t) => [
    uniqueIndex("license_machines_fingerprint_unique").on(t.licenseId, t.fingerprint),
    uniqueIndex("license_machines_token_unique").on(t.tokenHash),
    index("license_machines_active_idx").on(t.licenseId, t.deactivatedAt),
  ],
);

/**
 * The keys of a license, each revocable on its own. A key is the signed license terms plus this
 * row's id (claim `keyId`); Ed25519 is deterministic, so the same row and terms give the same key,
 * and nothing secret is stored. Revoked keys answer KEY_REVOKED.
 */
export const licenseKeys = sqliteTable(
  "license_keys",
  {
    id: text("id").primaryKey(),
    licenseId: text("license_id")
      .notNull()
      .references(() => licenses.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    createdBy: text("created_by"),
    createdAt: epochMs("created_at").notNull(),
    revokedAt: epochMs("revoked_at"),
    revokedBy: text("revoked_by"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("license_keys_license_idx").on(t.licenseId, t.createdAt)],
);

/** Validation counts per license and UTC day (flushed in batches from the validation endpoint). */
export const licenseUsageDaily = sqliteTable(
  "license_usage_daily",
  {
    licenseId: text("license_id")
      .notNull()
      .references(() => licenses.id, { onDelete: "cascade" }),
    /** YYYY-MM-DD (UTC). */
    day: text("day").notNull(),
    validations: integer("validations").notNull().default(0),
    valid: integer("valid").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.licenseId, t.day] })],
);

/** Renewal notices sent: one per license, threshold (30/7/1 days) and expiry date. */
export const licenseNotices = sqliteTable(
  "license_notices",
  {
    licenseId: text("license_id")
      .notNull()
      .references(() => licenses.id, { onDelete: "cascade" }),
    thresholdDays: integer("threshold_days").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
    sentAt: epochMs("sent_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenseId, t.thresholdDays, t.expiresAt] })],
);

/**
 * An invitation to join an organization, sent by email by an owner or admin. The link's token is
 * stored only as its SHA-256; the link works once (accepted_at), until expires_at (7 days from the
 * last send, INVITATION_POLICY in app/modules/licensing/invitations.server.ts) or until revoked.
 * At most one pending invitation per organization and address.
 */
export const organizationInvitations = sqliteTable(
  "organization_invitations",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Lower-cased address the invitation is for; only the account with this address can accept it. */
    email: text("email").notNull(),
    role: text("role", { enum: ["admin", "member"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: epochMs("created_at").notNull(),
    /** Last time the link was (re)sent; resending issues a new token and restarts the expiry. */
    sentAt: epochMs("sent_at").notNull(),
    sendCount: integer("send_count").notNull().default(1),
    expiresAt: epochMs("expires_at").notNull(),
    acceptedAt: epochMs("accepted_at"),
    acceptedBy: text("accepted_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: epochMs("revoked_at"),
  },
  (t) => [
    uniqueIndex("organization_invitations_token_unique").on(t.tokenHash),
    uniqueIndex("organization_invitations_pending_unique").on(t.organizationId, t.email).where(sql`accepted_at IS NULL AND revoked_at IS NULL`),
    index("organization_invitations_org_idx").on(t.organizationId, t.createdAt),
  ],
);
