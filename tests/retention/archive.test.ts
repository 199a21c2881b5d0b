import { createExecutionContext, env } from "cloudflare:test";
import { count, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { db, insertUser, signedInAs } from "../helpers";
import { archivedDays, archiveExpired, readArchive, RETENTION_POLICY } from "~/modules/retention/retention.server";
import { createId } from "~/utils/ids";
import { loginThrottle, sessions } from "~drizzle/schema";

const DAY = 86_400_000;
const app = () => createAppContext(env, createExecutionContext(), createId("request"));

describe("retention", () => {
  it("archives ended sessions and spent throttles to R2 per day, deletes them, loses nothing, and is idempotent twice at once", async () => {
    const user = await insertUser();
    const t = Date.now();
    const old = t - RETENTION_POLICY.sessionsAfterEndMs - 3 * DAY;
    const ended = Array.from({ length: 24 }, (_, i) => ({ id: createId("session"), tokenHash: crypto.randomUUID(), userId: user.id, userAgent: "Bench", createdAt: old - 40 * DAY, lastSeenAt: old - DAY, expiresAt: old - (i % 3) * DAY, revokedAt: null }));
    const revoked = { id: createId("session"), tokenHash: crypto.randomUUID(), userId: user.id, userAgent: null, createdAt: old, lastSeenAt: old, expiresAt: t + 20 * DAY, revokedAt: old };
    const live = [
      { id: createId("session"), tokenHash: crypto.randomUUID(), userId: user.id, userAgent: null, createdAt: t, lastSeenAt: t, expiresAt: t + 30 * DAY, revokedAt: null },
      // Ended, but within the window: stays.
      { id: createId("session"), tokenHash: crypto.randomUUID(), userId: user.id, userAgent: null, createdAt: t - 40 * DAY, lastSeenAt: t - 2 * DAY, expiresAt: t - DAY, revokedAt: null },
    ];
    for (let i = 0; i < ended.length; i += 10) await db().insert(sessions).values(ended.slice(i, i + 10)).run();
    await db().insert(sessions).values([revoked, ...live]).run();
    const spent = Array.from({ length: 6 }, (_, i) => ({ key: `email:spent${i}-${user.id}@example.test`, failures: 3, windowStartedAt: t - 3 * DAY, lockedUntil: null }));
    const fresh = { key: `email:fresh-${user.id}@example.test`, failures: 1, windowStartedAt: t - 60_000, lockedUntil: null };
    await db().insert(loginThrottle).values([...spent, fresh]).run();
    const mine = [...ended, revoked, ...live].map((s) => s.id);
    const before = (await db().select({ n: count() }).from(sessions).where(inArray(sessions.id, mine)).get())!.n;

    const [a, b] = await Promise.all([archiveExpired(app()), archiveExpired(app())]);
    // Each row deleted once between the two runs (both may have archived it).
    expect(a.sessions! + b.sessions!).toBeGreaterThanOrEqual(25);

    const left = await db().select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, mine)).all();
    expect(left.map((r) => r.id).sort()).toEqual(live.map((s) => s.id).sort());
    const days = await archivedDays(app(), "sessions");
    const archived = (await Promise.all(days.map((d) => readArchive(app(), "sessions", d)))).flat().filter((r) => mine.includes(r.id));
    expect(archived.map((r) => r.id).sort()).toEqual([...ended, revoked].map((s) => s.id).sort());
    expect(before).toBe(left.length + archived.length);
    // Archived rows keep what support needs, never the token hash.
    expect(archived.find((r) => r.id === revoked.id)).toEqual({ id: revoked.id, userId: user.id, userAgent: null, createdAt: old, lastSeenAt: old, expiresAt: revoked.expiresAt, revokedAt: old });
    expect(archived.every((r) => !("tokenHash" in r))).toBe(true);
    // One object per UTC day of the sessions' end.
    expect(new Set(archived.map((r) => new Date(Math.min(r.expiresAt as number, (r.revokedAt as number | null) ?? Infinity)).toISOString().slice(0, 10))).size).toBe(3);

    const throttles = await db().select({ key: loginThrottle.key }).from(loginThrottle).where(inArray(loginThrottle.key, [...spent, fresh].map((s) => s.key))).all();
    expect(throttles).toEqual([{ key: fresh.key }]);
    const throttleDay = new Date(t - 3 * DAY).toISOString().slice(0, 10);
    expect((await readArchive(app(), "login_throttle", throttleDay)).filter((r) => r.id.endsWith(`${user.id}@example.test`)).map((r) => r.id).sort()).toEqual(spent.map((s) => s.key).sort());

    // Readable again from the admin pages, found by user id on its day.
    const { browser } = await signedInAs("admin");
    const revokedDay = new Date(old).toISOString().slice(0, 10);
    const page = await browser.fetch(`/admin/archive?table=sessions&day=${revokedDay}&q=${user.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(revoked.id);
    expect(html).toContain("Signed out or revoked");
    expect((await (await signedInAs("student")).browser.fetch("/admin/archive")).status).toBe(403);

    // Run again: nothing left to move, nothing changes.
    expect(await archiveExpired(app())).toEqual({ sessions: 0, login_throttle: 0 });
    expect((await db().select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, mine)).all()).length).toBe(2);
  });
});
