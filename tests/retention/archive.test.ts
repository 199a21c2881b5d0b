import { createExecutionContext, env } from "cloudflare:test";
import { count, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { db, insertUser, signedInAs } from "../helpers";
import { archivedDays, archiveExpired, readArchive, RETENTION_POLICY } from "~/modules/retention/retention.server";
import { createId } from "~/utils/ids";
import { auditLog, emails, loginThrottle, sessions, stripeEvents } from "~drizzle/schema";

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
    expect(await archiveExpired(app())).toMatchObject({ sessions: 0, login_throttle: 0 });
    expect((await db().select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, mine)).all()).length).toBe(2);
  });

  it("moves handled Stripe events, sent emails' data and year-old audit entries to R2; keeps what is still needed", async () => {
    const t = Date.now();
    const user = await insertUser();
    const tag = user.id.slice(-8);
    const old = t - RETENTION_POLICY.stripeEventsAfterMs - DAY;
    const payload = (id: string) => ({ id, type: "payment_intent.succeeded", data: { object: { id: `pi_${tag}${id.slice(-4)}` } } });
    const event = (status: "processed" | "ignored" | "failed" | "dead", receivedAt: number, i: number) => {
      const id = `evt_${tag}${status}${i}`;
      return { id, type: "payment_intent.succeeded", stripeCreatedAt: receivedAt, status, attempts: 1, payload: payload(id), receivedAt, processedAt: receivedAt };
    };
    const handled = [event("processed", old, 1), event("processed", old - DAY, 2), event("ignored", old, 3)];
    const kept = [event("processed", t - DAY, 4), event("failed", old, 5), event("dead", old, 6)];
    await db().insert(stripeEvents).values([...handled, ...kept]).run();

    const mail = (status: "sent" | "failed", createdAt: number, i: number) => ({
      id: createId("email"),
      idempotencyKey: `retention-${tag}-${i}`,
      template: "welcome",
      toAddress: user.email,
      data: { name: user.name, i },
      subject: `Welcome ${i}`,
      status,
      createdAt,
      updatedAt: createdAt,
      sentAt: status === "sent" ? createdAt : null,
    });
    const oldMail = t - RETENTION_POLICY.emailDataAfterSentMs - DAY;
    const stripped = [mail("sent", oldMail, 1), mail("sent", oldMail - DAY, 2)];
    const keepData = [mail("sent", t - DAY, 3), mail("failed", oldMail, 4)]; // recent; and a failed one an admin may resend
    await db().insert(emails).values([...stripped, ...keepData]).run();

    const entry = (createdAt: number, i: number) => ({ id: createId("audit"), actorId: user.id, action: "user.role_changed", targetType: "user", targetId: user.id, metadata: { i }, requestId: `req_${tag}`, createdAt });
    const oldAudit = [entry(t - RETENTION_POLICY.auditAfterMs - DAY, 1), entry(t - RETENTION_POLICY.auditAfterMs - 2 * DAY, 2)];
    const recentAudit = [entry(t - 30 * DAY, 3)];
    await db().insert(auditLog).values([...oldAudit, ...recentAudit]).run();

    await Promise.all([archiveExpired(app()), archiveExpired(app())]);

    const eventIds = (await db().select({ id: stripeEvents.id }).from(stripeEvents).where(inArray(stripeEvents.id, [...handled, ...kept].map((e) => e.id))).all()).map((r) => r.id);
    expect(eventIds.sort()).toEqual(kept.map((e) => e.id).sort());
    const archivedEvents = (await Promise.all((await archivedDays(app(), "stripe_events")).map((d) => readArchive(app(), "stripe_events", d)))).flat().filter((r) => r.id.includes(tag));
    expect(archivedEvents.map((r) => r.id).sort()).toEqual(handled.map((e) => e.id).sort());
    expect(archivedEvents.find((r) => r.id === handled[0]!.id)).toMatchObject({ status: "processed", payload: handled[0]!.payload });

    const mails = await db().select().from(emails).where(inArray(emails.id, [...stripped, ...keepData].map((m) => m.id))).all();
    expect(mails).toHaveLength(4); // delivery records all stay: their keys keep an email from going twice
    for (const m of mails) expect(m.data).toEqual(stripped.some((x) => x.id === m.id) ? null : { name: user.name, i: Number(m.idempotencyKey.split("-").pop()) });
    const mailDay = new Date(oldMail).toISOString().slice(0, 10);
    expect((await readArchive(app(), "email_data", mailDay)).find((r) => r.id === stripped[0]!.id)).toMatchObject({ toAddress: user.email, subject: "Welcome 1", data: { name: user.name, i: 1 } });

    const audit = await db().select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.requestId, `req_${tag}`)).all();
    expect(audit.map((r) => r.id)).toEqual(recentAudit.map((r) => r.id));
    const auditDay = new Date(oldAudit[0]!.createdAt).toISOString().slice(0, 10);
    expect((await readArchive(app(), "audit_log", auditDay)).find((r) => r.id === oldAudit[0]!.id)).toMatchObject({ action: "user.role_changed", metadata: { i: 1 } });

    // Found again on the admin page, in words.
    const { browser } = await signedInAs("admin");
    const eventDay = new Date(old).toISOString().slice(0, 10);
    const html = await (await browser.fetch(`/admin/archive?table=stripe_events&day=${eventDay}&q=${tag}`)).text();
    expect(html).toContain(handled[0]!.id);
    expect(html).toContain("Not ours to act on");
    expect(html).toContain("35 days after they arrived");
    const auditHtml = await (await browser.fetch(`/admin/archive?table=audit_log&day=${auditDay}&q=${tag}`)).text();
    expect(auditHtml).toContain(oldAudit[0]!.id);
    expect((await browser.fetch("/admin/archive?table=nope")).status).toBe(400);
  });

  it("finds the sent emails whose data is kept through their partial index, not by walking every old email", async () => {
    // The retention query names the index (INDEXED BY), which SQLite refuses when the index cannot serve it.
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM emails INDEXED BY emails_data_kept_idx WHERE status = 'sent' AND data IS NOT NULL AND created_at < ? ORDER BY created_at LIMIT 500",
    )
      .bind(Date.now())
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/SEARCH emails USING (COVERING )?INDEX emails_data_kept_idx/);
    // Without the data term the index cannot serve the query, and SQLite says so rather than scanning.
    await expect(env.DB.prepare("SELECT id FROM emails INDEXED BY emails_data_kept_idx WHERE status = 'sent' AND created_at < ?").bind(Date.now()).all()).rejects.toThrow(/no query solution/);
  });
});
