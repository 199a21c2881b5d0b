import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { REWARD_POLICY } from "~/modules/tokens/config";
import { auditLog, tokenAwardRequests } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs } from "../helpers";
import { wallet } from "./helpers";

// Issue 31: admins cannot award themselves; awards above a threshold need a second admin.

const balanceOf = async (userId: string) => (await wallet(userId).balance({ userId })).balance;
const auditsFor = (targetId: string) =>
  db()
    .select({ action: auditLog.action, actorId: auditLog.actorId })
    .from(auditLog)
    .where(and(eq(auditLog.targetId, targetId), inArray(auditLog.action, ["tokens.admin_adjusted", "tokens.award_requested", "tokens.award_approved", "tokens.award_rejected"])))
    .all();
const BIG = REWARD_POLICY.adminApprovalAbove + 4000;

describe("admin awards", () => {
  it("an admin cannot award or adjust their own wallet, by the API or the page, and nothing is written", async () => {
    const { browser, user } = await signedInAs("admin");
    for (const amount of [1_000_000, 10, -10]) {
      const res = await browser.json("/api/tokens/award", jsonBody({ userId: user.id, amount, reason: "For me" }));
      expect(res.status, String(amount)).toBe(403);
      expect(res.body.error.message).toBe("Admins cannot award or adjust their own tokens; ask another admin.");
    }
    const page = await browser.submit("/admin/tokens", { userId: user.id, amount: "1000000", reason: "For me", awardKey: "req_00000000000000000000000001" });
    expect(page.status).toBe(403);
    expect(await wallet(user.id).entries({ userId: user.id })).toEqual([]);
    expect(await auditsFor(user.id)).toEqual([]);
    expect(await db().select().from(tokenAwardRequests).where(eq(tokenAwardRequests.userId, user.id)).all()).toEqual([]);
  });

  it("an award above the threshold waits for a second admin; concurrent approvals credit once; it is audited", async () => {
    const asker = await signedInAs("admin");
    const [second, third] = [await signedInAs("admin"), await signedInAs("admin")];
    const learner = await insertUser();
    const asked = await asker.browser.json("/api/tokens/award", jsonBody({ userId: learner.id, amount: BIG, reason: "Hackathon winner" }, { headers: { "Idempotency-Key": "hack-1" } }));
    expect(asked.status).toBe(202);
    expect(asked.body.pending).toMatchObject({ userId: learner.id, amount: BIG, requestedBy: asker.user.id, status: "pending", entryId: null });
    const id = asked.body.pending.id as string;
    // The same key replays the same request.
    const again = await asker.browser.json("/api/tokens/award", jsonBody({ userId: learner.id, amount: BIG, reason: "Hackathon winner" }, { headers: { "Idempotency-Key": "hack-1" } }));
    expect(again.body.pending.id).toBe(id);
    expect(await balanceOf(learner.id)).toBe(0);
    expect((await second.browser.json("/api/tokens/awards")).body.items.map((r: { id: string }) => r.id)).toContain(id);

    // The requester cannot approve their own request; nothing changes.
    const own = await asker.browser.json(`/api/tokens/awards/${id}`, jsonBody({ decision: "approve" }));
    expect(own.status).toBe(403);
    expect((await db().select().from(tokenAwardRequests).where(eq(tokenAwardRequests.id, id)).get())!.status).toBe("pending");

    // Two other admins approve at once (each twice): one credit.
    const approvals = await Promise.all([second, third, second, third].map((a) => a.browser.json(`/api/tokens/awards/${id}`, jsonBody({ decision: "approve" }))));
    expect(approvals.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(approvals.map((a) => a.body.entry.id)).size).toBe(1);
    expect(await balanceOf(learner.id)).toBe(BIG);
    const entries = await wallet(learner.id).entries({ userId: learner.id });
    expect(entries.map((e) => [e.type, e.amount, e.sourceKey])).toEqual([["admin_adjust", BIG, `admin_award:${id}`]]);
    const row = (await db().select().from(tokenAwardRequests).where(eq(tokenAwardRequests.id, id)).get())!;
    expect(row).toMatchObject({ status: "approved", entryId: entries[0]!.id });
    expect([second.user.id, third.user.id]).toContain(row.decidedBy);
    const audits = await auditsFor(learner.id);
    expect(audits.filter((a) => a.action === "tokens.award_requested")).toEqual([{ action: "tokens.award_requested", actorId: asker.user.id }]);
    expect(audits.filter((a) => a.action === "tokens.award_approved")).toEqual([{ action: "tokens.award_approved", actorId: row.decidedBy }]);
    expect(audits.filter((a) => a.action === "tokens.admin_adjusted")).toEqual([{ action: "tokens.admin_adjusted", actorId: row.decidedBy }]);

    // Decided: rejecting now is a 409 that changes nothing.
    const late = await third.browser.json(`/api/tokens/awards/${id}`, jsonBody({ decision: "reject" }));
    expect(late.status).toBe(409);
    expect(late.body.error.details.status).toBe("approved");
    expect(await balanceOf(learner.id)).toBe(BIG);
  });

  it("nobody approves an award to themselves; a withdrawn award cannot be approved", async () => {
    const [a, b, c] = [await signedInAs("admin"), await signedInAs("admin"), await signedInAs("admin")];
    const toB = await a.browser.json("/api/tokens/award", jsonBody({ userId: b.user.id, amount: BIG, reason: "Thanks, colleague" }));
    expect(toB.status).toBe(202);
    expect((await b.browser.json(`/api/tokens/awards/${toB.body.pending.id}`, jsonBody({ decision: "approve" }))).status).toBe(403);
    expect(await balanceOf(b.user.id)).toBe(0);
    expect((await c.browser.json(`/api/tokens/awards/${toB.body.pending.id}`, jsonBody({ decision: "approve" }))).status).toBe(200);
    expect(await balanceOf(b.user.id)).toBe(BIG);

    const learner = await insertUser();
    const asked = await a.browser.json("/api/tokens/award", jsonBody({ userId: learner.id, amount: BIG, reason: "Typo" }));
    const withdrawn = await a.browser.json(`/api/tokens/awards/${asked.body.pending.id}`, jsonBody({ decision: "reject" }));
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ request: { status: "rejected", decidedBy: a.user.id }, entry: null });
    const approve = await c.browser.json(`/api/tokens/awards/${asked.body.pending.id}`, jsonBody({ decision: "approve" }));
    expect(approve.status).toBe(409);
    expect(await balanceOf(learner.id)).toBe(0);
    expect((await c.browser.json("/api/tokens/awards/tar_00000000000000000000000000", jsonBody({ decision: "approve" }))).status).toBe(404);
    expect((await c.browser.json(`/api/tokens/awards/${asked.body.pending.id}`, jsonBody({ decision: "maybe" }))).status).toBe(400);
    const student = await signedInAs("student");
    expect((await student.browser.json(`/api/tokens/awards/${asked.body.pending.id}`, jsonBody({ decision: "approve" }))).status).toBe(403);
  });

  it("the admin page lists pending awards and lets another admin approve them", async () => {
    const [a, b] = [await signedInAs("admin"), await signedInAs("admin")];
    const learner = await insertUser();
    const page = await a.browser.submit("/admin/tokens", { userId: learner.id, amount: String(BIG), reason: "Mentor of the month", awardKey: "req_0000000000000000000000000a" });
    expect(await page.text()).toContain("Waiting for approval");
    const request = (await db().select().from(tokenAwardRequests).where(eq(tokenAwardRequests.userId, learner.id)).get())!;
    const mine = await (await a.browser.fetch("/admin/tokens")).text();
    expect(mine).toContain("Mentor of the month");
    expect(mine).toContain("Yours: another admin approves.");
    const theirs = await (await b.browser.fetch("/admin/tokens")).text();
    expect(theirs).toContain(">Approve<");
    const approved = await b.browser.submit("/admin/tokens", { requestId: request.id, decision: "approve" });
    expect(await approved.text()).toContain(`Approved: ${BIG.toLocaleString("en-US")} tokens credited.`);
    expect(await balanceOf(learner.id)).toBe(BIG);
  });
});
