import { and, inArray, isNotNull, isNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { licenseKeys, licenseMachines, licenses } from "~drizzle/schema";
import type { LicenseStatus } from "~drizzle/schema/enums";
import { isolateState } from "./isolate-state";
import { checkInDueAt, heartbeatDeadline, machineCeiling, ORIGINAL_KEY_ID } from "./policy";

/**
 * What validation needs to know about a license, read from D1 at most once per STATUS_TTL_MS per
 * data centre: the Workers Cache API holds it for everyone in the colo, and each isolate keeps
 * its own copy until the same deadline (never longer). A change made through our services
 * (suspend, revoke, activate...) deletes both copies here at once; other colos and isolates see
 * it when their copy runs out. The bound is therefore STATUS_TTL_MS after the D1 read. A copy past
 * half its life is still served while one refresh runs behind the response, so a key that is
 * validated steadily never waits on a miss.
 */
export const STATUS_TTL_MS = 10_000;

export type LicenseSnapshot = {
  id: string;
  found: boolean;
  organizationId: string;
  tier: string;
  status: LicenseStatus;
  features: string[];
  maxSeats: number;
  maxMachines: number;
  /** Active machines allowed: maxMachines times the license's overage tolerance. */
  machineCeiling: number;
  expiresAt: number;
  /** Active machines, with when each is dead without a heartbeat (null: no heartbeat policy). */
  machines: { fingerprint: string; deadline: number | null }[];
  /** Revoked keys of the license (license_keys ids, and "original" for a revoked original key). */
  revokedKeys: string[];
  /** The license answers OVERDUE after this (null: no check-in policy). */
  checkInDueAt: number | null;
  /** Our clock when D1 was read. */
  readAt: number;
};

/** The Workers Cache API's default cache (this data centre); typed apart from the DOM's CacheStorage. */
const coloCache = () => (caches as unknown as { default: Cache }).default;

const isolateCache = isolateState("statusCache", () => new Map<string, LicenseSnapshot>());
/** Bumped by every invalidation, so a read that raced with a change is not remembered. */
const generations = isolateState("statusGenerations", () => new Map<string, number>());
const ISOLATE_CACHE_SIZE = 10_000;

const cacheKey = (app: Pick<AppContext, "config">, licenseId: string) =>
  new Request(`${app.config.APP_URL}/_cache/license-status/v2/${licenseId}`);

const fresh = (snap: LicenseSnapshot, t: number) => t >= snap.readAt && t - snap.readAt < STATUS_TTL_MS;

function remember(snap: LicenseSnapshot) {
  if (isolateCache.size >= ISOLATE_CACHE_SIZE) isolateCache.delete(isolateCache.keys().next().value!);
  isolateCache.set(snap.id, snap);
}

/** The license's status for validation: isolate memory, then the Cache API, then D1. */
export async function getLicenseSnapshot(app: AppContext, licenseId: string): Promise<LicenseSnapshot> {
  const t = now();
  const local = isolateCache.get(licenseId);
  if (local && fresh(local, t)) {
    // Past half its life: answer from it and queue a refresh behind the response, so a key that is
    // validated steadily never waits on a miss. Nothing older than STATUS_TTL_MS is ever served.
    if (t - local.readAt >= STATUS_TTL_MS / 2) scheduleRefresh(app, licenseId);
    return local;
  }
  const cached = await coloCache().match(cacheKey(app, licenseId));
  if (cached) {
    const snap = (await cached.json()) as LicenseSnapshot;
    if (fresh(snap, t)) {
      remember(snap);
      return snap;
    }
  }
  return refresh(app, licenseId);
}

/** Reads D1 and stores the snapshot in both caches (unless an invalidation raced with the read). */
async function refresh(app: AppContext, licenseId: string): Promise<LicenseSnapshot> {
  const [snap] = await refreshMany(app, [licenseId], { colo: true });
  return snap!;
}

/**
 * One D1 batch for many licenses; each snapshot is kept (isolate, and colo cache if asked) unless an
 * invalidation happened while it was read. The colo puts are awaited, so an invalidation that
 * follows cannot be overtaken by a put.
 */
async function refreshMany(app: AppContext, licenseIds: string[], opts: { colo: boolean }): Promise<LicenseSnapshot[]> {
  const before = licenseIds.map((id) => generations.get(id) ?? 0);
  const snaps = await readSnapshots(app, licenseIds);
  const cache = coloCache();
  await Promise.all(
    snaps.map((snap, i) => {
      if ((generations.get(snap.id) ?? 0) !== before[i]) return undefined; // changed while we read: use, don't keep
      remember(snap);
      if (!opts.colo) return undefined;
      const response = new Response(JSON.stringify(snap), {
        headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${Math.ceil(STATUS_TTL_MS / 1000)}` },
      });
      return cache.put(cacheKey(app, snap.id), response);
    }),
  );
  return snaps;
}

/** Background refreshes are collected and read together, at most REFRESH_BATCH per D1 batch. */
const REFRESH_BATCH = 50;
const pendingRefresh = isolateState("statusPendingRefresh", () => new Set<string>());
const refresher = isolateState("statusRefresher", () => ({ running: false }));

function scheduleRefresh(app: AppContext, licenseId: string) {
  pendingRefresh.add(licenseId);
  if (refresher.running) return;
  refresher.running = true;
  app.ctx.waitUntil(
    (async () => {
      try {
        while (pendingRefresh.size) {
          const ids = [...pendingRefresh].slice(0, REFRESH_BATCH);
          for (const id of ids) pendingRefresh.delete(id);
          await refreshMany(app, ids, { colo: false }); // this isolate only: the colo copy is for cold isolates
        }
      } catch (error) {
        pendingRefresh.clear();
        app.logger.warn("license.status_refresh_failed", { error });
      } finally {
        refresher.running = false;
      }
    })(),
  );
}

async function readSnapshots(app: AppContext, licenseIds: string[]): Promise<LicenseSnapshot[]> {
  const [rows, machines, revoked] = await app.db.batch([
    app.db.select().from(licenses).where(inArray(licenses.id, licenseIds)),
    app.db
      .select({ licenseId: licenseMachines.licenseId, fingerprint: licenseMachines.fingerprint, lastHeartbeatAt: licenseMachines.lastHeartbeatAt, firstSeenAt: licenseMachines.firstSeenAt })
      .from(licenseMachines)
      .where(and(inArray(licenseMachines.licenseId, licenseIds), isNull(licenseMachines.deactivatedAt))),
    app.db
      .select({ licenseId: licenseKeys.licenseId, id: licenseKeys.id })
      .from(licenseKeys)
      .where(and(inArray(licenseKeys.licenseId, licenseIds), isNotNull(licenseKeys.revokedAt))),
  ]);
  const readAt = now();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return licenseIds.map((id): LicenseSnapshot => {
    const row = byId.get(id);
    if (!row) {
      return { id, found: false, organizationId: "", tier: "", status: "revoked", features: [], maxSeats: 0, maxMachines: 0, machineCeiling: 0, expiresAt: 0, machines: [], revokedKeys: [], checkInDueAt: null, readAt };
    }
    return {
      id: row.id,
      found: true,
      organizationId: row.organizationId,
      tier: row.tier,
      status: row.status,
      features: row.features,
      maxSeats: row.maxSeats,
      maxMachines: row.maxMachines,
      machineCeiling: machineCeiling(row.maxMachines, row.machineOverage),
      expiresAt: row.expiresAt,
      machines: machines
        .filter((m) => m.licenseId === id)
        .map((m) => ({ fingerprint: m.fingerprint, deadline: heartbeatDeadline(m.lastHeartbeatAt ?? m.firstSeenAt, row) })),
      revokedKeys: [...revoked.filter((k) => k.licenseId === id).map((k) => k.id), ...(row.originalKeyRevokedAt !== null ? [ORIGINAL_KEY_ID] : [])],
      checkInDueAt: checkInDueAt(row),
      readAt,
    };
  });
}

/** Called after every change to a license or its machines: drops this isolate's and this colo's copy. */
export async function invalidateLicenseStatus(app: AppContext, licenseId: string) {
  generations.set(licenseId, (generations.get(licenseId) ?? 0) + 1);
  isolateCache.delete(licenseId);
  await coloCache().delete(cacheKey(app, licenseId));
}
