import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { licenseMachines, licenses } from "~drizzle/schema";
import type { LicenseStatus } from "~drizzle/schema/enums";
import { isolateState } from "./isolate-state";

/**
 * What validation needs to know about a license, read from D1 at most once per STATUS_TTL_MS per
 * data centre: the Workers Cache API holds it for everyone in the colo, and each isolate keeps
 * its own copy until the same deadline (never longer). A change made through our services
 * (suspend, revoke, activate...) deletes both copies here at once; other colos and isolates see
 * it when their copy runs out. The bound is therefore STATUS_TTL_MS after the D1 read.
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
  expiresAt: number;
  /** Fingerprints of active machines. */
  machines: string[];
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
  new Request(`${app.config.APP_URL}/_cache/license-status/${licenseId}`);

const fresh = (snap: LicenseSnapshot, t: number) => t >= snap.readAt && t - snap.readAt < STATUS_TTL_MS;

function remember(snap: LicenseSnapshot) {
  if (isolateCache.size >= ISOLATE_CACHE_SIZE) isolateCache.delete(isolateCache.keys().next().value!);
  isolateCache.set(snap.id, snap);
}

/** The license's status for validation: isolate memory, then the Cache API, then D1. */
export async function getLicenseSnapshot(app: AppContext, licenseId: string): Promise<LicenseSnapshot> {
  const t = now();
  const local = isolateCache.get(licenseId);
  if (local && fresh(local, t)) return local;
  const key = cacheKey(app, licenseId);
  const cache = coloCache();
  const cached = await cache.match(key);
  if (cached) {
    const snap = (await cached.json()) as LicenseSnapshot;
    if (fresh(snap, t)) {
      remember(snap);
      return snap;
    }
  }
  const generation = generations.get(licenseId) ?? 0;
  const snap = await readSnapshot(app, licenseId);
  if ((generations.get(licenseId) ?? 0) !== generation) return snap; // changed while we read: use, don't keep
  remember(snap);
  const response = new Response(JSON.stringify(snap), {
    headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${Math.ceil(STATUS_TTL_MS / 1000)}` },
  });
  // Awaited (only on a miss, once per bound): an invalidation that follows cannot be overtaken by this put.
  await cache.put(key, response);
  return snap;
}

async function readSnapshot(app: AppContext, licenseId: string): Promise<LicenseSnapshot> {
  const [rows, machines] = await app.db.batch([
    app.db.select().from(licenses).where(eq(licenses.id, licenseId)).limit(1),
    app.db
      .select({ fingerprint: licenseMachines.fingerprint })
      .from(licenseMachines)
      .where(and(eq(licenseMachines.licenseId, licenseId), isNull(licenseMachines.deactivatedAt))),
  ]);
  const row = rows[0];
  const readAt = now();
  if (!row) {
    return { id: licenseId, found: false, organizationId: "", tier: "", status: "revoked", features: [], maxSeats: 0, maxMachines: 0, expiresAt: 0, machines: [], readAt };
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
    expiresAt: row.expiresAt,
    machines: machines.map((m) => m.fingerprint),
    readAt,
  };
}

/** Called after every change to a license or its machines: drops this isolate's and this colo's copy. */
export async function invalidateLicenseStatus(app: AppContext, licenseId: string) {
  generations.set(licenseId, (generations.get(licenseId) ?? 0) + 1);
  isolateCache.delete(licenseId);
  await coloCache().delete(cacheKey(app, licenseId));
}
