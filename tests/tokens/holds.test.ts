import { describe, expect, it } from "vitest";
import { insertUser } from "../helpers";
import { credit, projected, wallet } from "./helpers";

const t = () => Date.now();

describe("holds and clawback in the wallet", () => {
  it("a hold moves tokens to held; capture spends them; release and return give them back; each once", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    await credit(user.id, 1000);
    expect(await w.hold({ userId: user.id, at: t(), holdId: "h1", amount: 600, reason: "Discount", ref: "payment:p1" })).toMatchObject({ ok: true, replayed: false });
    expect(await w.hold({ userId: user.id, at: t(), holdId: "h1", amount: 600, reason: "Discount", ref: "payment:p1" })).toMatchObject({ ok: true, replayed: true });
    expect(await w.hold({ userId: user.id, at: t(), holdId: "h2", amount: 600, reason: "Discount", ref: "payment:p2" })).toMatchObject({ ok: false, code: "insufficient_balance" });
    let s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect([s.balance, s.held]).toEqual([400, 600]);

    await w.captureHold({ userId: user.id, at: t(), holdId: "h1", reason: "Course discount" });
    await w.captureHold({ userId: user.id, at: t(), holdId: "h1", reason: "Course discount" });
    expect(await w.releaseHold({ userId: user.id, at: t(), holdId: "h1", reason: "late failure event" })).toMatchObject({ ok: true, replayed: true });
    s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect([s.balance, s.held]).toEqual([400, 0]);

    // A refund of half the payment returns half the tokens; the full refund the rest; repeats change nothing.
    await w.returnHold({ userId: user.id, at: t(), holdId: "h1", returnTotal: 300, refundKey: "re_1", reason: "Refund" });
    await w.returnHold({ userId: user.id, at: t(), holdId: "h1", returnTotal: 300, refundKey: "re_1", reason: "Refund" });
    s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect(s.balance).toBe(700);
    await w.returnHold({ userId: user.id, at: t(), holdId: "h1", returnTotal: 600, refundKey: "re_2", reason: "Refund" });
    expect((await w.getHold({ userId: user.id, holdId: "h1" }))?.status).toBe("returned");

    await w.hold({ userId: user.id, at: t(), holdId: "h3", amount: 100, reason: "Discount", ref: "payment:p3" });
    await w.releaseHold({ userId: user.id, at: t(), holdId: "h3", reason: "Checkout expired" });
    s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect([s.balance, s.held]).toEqual([1000, 0]);
    // Paid after all (a late success after the expiry): the tokens are spent again, once.
    expect(await w.captureHold({ userId: user.id, at: t(), holdId: "h3", reason: "late success" })).toMatchObject({ ok: true, shortfall: 0 });
    expect(await w.captureHold({ userId: user.id, at: t(), holdId: "h3", reason: "late success" })).toMatchObject({ ok: true, replayed: true });
    s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect([s.balance, s.held]).toEqual([900, 0]);

    const sums = await projected(user.id);
    expect([sums.amount, sums.held]).toEqual([900, 0]);
  });

  it("concurrent holds never hold more than the balance", async () => {
    const user = await insertUser();
    await credit(user.id, 1000);
    const w = wallet(user.id);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => w.hold({ userId: user.id, at: t(), holdId: `h${i}`, amount: 300, reason: "Discount", ref: `payment:${i}` })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect([s.balance, s.held]).toEqual([100, 900]);
  });

  it("clawback takes back what a course earned, never below zero, as its own entry, once", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    await credit(user.id, 150, "course_completed:c1", t(), "course:c1");
    await credit(user.id, 10, "module:m1", t(), "course:c1");
    await credit(user.id, 40, "other", t(), "course:c2");
    await w.adjust({ userId: user.id, at: t(), amount: -100, reason: "spent", sourceKey: "spend" });
    // Balance 100, course c1 earned 160: take 100, leave 0.
    const first = await w.clawback({ userId: user.id, at: t(), ref: "course:c1", sourceKey: "clawback:re_1", reason: "Refund" });
    expect(first).toMatchObject({ ok: true, due: 160, entry: { type: "clawback", amount: -100, balanceAfter: 0 } });
    expect(await w.clawback({ userId: user.id, at: t(), ref: "course:c1", sourceKey: "clawback:re_1", reason: "Refund" })).toMatchObject({ ok: true, replayed: true });
    // A second refund of the same course takes only what is still due (60), limited by the balance.
    await credit(user.id, 500);
    const second = await w.clawback({ userId: user.id, at: t(), ref: "course:c1", sourceKey: "clawback:re_2", reason: "Refund" });
    expect(second).toMatchObject({ ok: true, entry: { amount: -60, balanceAfter: 440 } });
    const sums = await projected(user.id);
    const s = await w.snapshot({ userId: user.id, at: t(), timeZone: "UTC" });
    expect(sums.amount).toBe(s.balance);
  });
});
