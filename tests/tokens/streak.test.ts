import { describe, expect, it } from "vitest";
import { streakBonusFor } from "~/modules/tokens/config";
import { applyActivity, currentStreak, localDay, type StreakState } from "~/modules/tokens/streak";
import { insertUser } from "../helpers";
import { wallet } from "./helpers";

const fresh: StreakState = { streak: 0, longest: 0, lastActiveDay: null, freezes: 0 };
const at = (iso: string) => Date.parse(iso);

describe("streak rules", () => {
  it("reads the day in the learner's own time zone", () => {
    const t = at("2026-11-27T23:30:00Z");
    expect(localDay(t, "UTC")).toBe("2026-11-27");
    expect(localDay(t, "Europe/Paris")).toBe("2026-11-28"); // 00:30 local
    expect(localDay(t, "America/Los_Angeles")).toBe("2026-11-27"); // 15:30 local
    expect(localDay(at("2026-11-28T10:00:00Z"), "Pacific/Kiritimati")).toBe("2026-11-29"); // UTC+14
  });

  it("extends on consecutive days, ignores repeats the same day, restarts after a gap", () => {
    let s = applyActivity(fresh, "2026-11-01");
    expect(s.state.streak).toBe(1);
    expect(applyActivity(s.state, "2026-11-01").newDay).toBe(false);
    s = applyActivity(s.state, "2026-11-02");
    expect(s.state.streak).toBe(2);
    expect(s.bonus).toBe(5);
    s = applyActivity(s.state, "2026-11-04"); // missed the 3rd, no freeze
    expect(s).toMatchObject({ reset: true, bonus: 0, state: { streak: 1, longest: 2 } });
  });

  it("a freeze covers one missed day; two cover two; the streak is not lengthened by them", () => {
    const s = applyActivity({ streak: 5, longest: 5, lastActiveDay: "2026-11-10", freezes: 2 }, "2026-11-13");
    expect(s.frozenDays).toEqual(["2026-11-11", "2026-11-12"]);
    expect(s.state).toEqual({ streak: 6, longest: 6, lastActiveDay: "2026-11-13", freezes: 0 });
    const tooLong = applyActivity({ streak: 5, longest: 5, lastActiveDay: "2026-11-10", freezes: 1 }, "2026-11-13");
    expect(tooLong.state).toMatchObject({ streak: 1, freezes: 1 }); // freezes are kept when they cannot save it
  });

  it("the bonus grows with the streak and is capped", () => {
    expect([1, 2, 3, 10, 11, 12, 365].map(streakBonusFor)).toEqual([0, 5, 10, 45, 50, 50, 50]);
  });

  it("shows the streak as alive, at risk or lapsed on a given day", () => {
    const s: StreakState = { streak: 4, longest: 4, lastActiveDay: "2026-11-10", freezes: 1 };
    expect(currentStreak(s, "2026-11-10")).toEqual({ streak: 4, activeToday: true, atRisk: false });
    expect(currentStreak(s, "2026-11-11")).toEqual({ streak: 4, activeToday: false, atRisk: false });
    expect(currentStreak(s, "2026-11-12")).toEqual({ streak: 4, activeToday: false, atRisk: true });
    expect(currentStreak(s, "2026-11-13").streak).toBe(0);
  });
});

describe("streaks in the wallet", () => {
  it("counts days across day boundaries in the learner's zone and pays the bonus once a day", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    const tz = "Asia/Tokyo"; // UTC+9: 15:00Z is midnight local
    const r1 = await w.recordActivity({ userId: user.id, at: at("2026-11-02T14:00:00Z"), timeZone: tz }); // Nov 2, 23:00 local
    const r2 = await w.recordActivity({ userId: user.id, at: at("2026-11-02T15:30:00Z"), timeZone: tz }); // Nov 3, 00:30 local
    const r3 = await w.recordActivity({ userId: user.id, at: at("2026-11-02T16:00:00Z"), timeZone: tz }); // same local day
    expect([r1, r2, r3].map((r) => r.ok && r.streak)).toEqual([1, 2, 2]);
    expect(r2.ok && r2.bonus?.amount).toBe(5);
    expect(r3.ok && r3.bonus).toBeNull();
    const snap = await w.snapshot({ userId: user.id, at: at("2026-11-03T01:00:00Z"), timeZone: tz, days: 3 });
    expect(snap.calendar).toEqual([
      { day: "2026-11-01", kind: "none" },
      { day: "2026-11-02", kind: "active" },
      { day: "2026-11-03", kind: "active" },
    ]);
    expect(snap).toMatchObject({ balance: 5, streak: 2, activeToday: true });
    // The same UTC instant is still Nov 2 in New York: no new day there.
    expect((await w.entries({ userId: user.id })).filter((e) => e.type === "streak_bonus")).toHaveLength(1);
  });

  it("learning that earns nothing keeps the streak without a bonus; a later learning activity that day pays it, within the daily cap", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    const caps = [{ bucket: "learning", max: 3, label: "a tiny cap" }];
    await w.recordActivity({ userId: user.id, at: at("2026-11-02T10:00:00Z"), timeZone: "UTC" });
    const unpaid = await w.recordActivity({ userId: user.id, at: at("2026-11-03T10:00:00Z"), timeZone: "UTC", payBonus: false, caps });
    expect(unpaid.ok && [unpaid.streak, unpaid.bonus]).toEqual([2, null]);
    const paid = await w.recordActivity({ userId: user.id, at: at("2026-11-03T11:00:00Z"), timeZone: "UTC", payBonus: true, caps });
    expect(paid.ok && paid.bonus).toMatchObject({ type: "streak_bonus", amount: 3, sourceKey: "streak:2026-11-03" });
    expect(paid.ok && paid.bonus?.reason).toContain("cut from 5 to 3 by a tiny cap");
    const again = await w.recordActivity({ userId: user.id, at: at("2026-11-03T12:00:00Z"), timeZone: "UTC", payBonus: true, caps });
    expect(again.ok && [again.replayed, again.bonus]).toEqual([true, null]);
    expect((await w.balance({ userId: user.id })).balance).toBe(3);
  });

  it("bought freezes cover missed days and appear on the calendar; at most two are held", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    await w.credit({ userId: user.id, at: Date.now(), type: "award", amount: 1000, reason: "seed", sourceKey: "seed" });
    expect(await w.buyFreeze({ userId: user.id, at: Date.now(), price: 200, sourceKey: "f1" })).toMatchObject({ ok: true, freezes: 1 });
    expect(await w.buyFreeze({ userId: user.id, at: Date.now(), price: 200, sourceKey: "f1" })).toMatchObject({ ok: true, replayed: true, freezes: 1 });
    expect(await w.buyFreeze({ userId: user.id, at: Date.now(), price: 200, sourceKey: "f2" })).toMatchObject({ ok: true, freezes: 2 });
    expect(await w.buyFreeze({ userId: user.id, at: Date.now(), price: 200, sourceKey: "f3" })).toMatchObject({ ok: false, code: "limit_reached" });
    await w.recordActivity({ userId: user.id, at: at("2026-11-10T12:00:00Z"), timeZone: "UTC" });
    await w.recordActivity({ userId: user.id, at: at("2026-11-11T12:00:00Z"), timeZone: "UTC" });
    const back = await w.recordActivity({ userId: user.id, at: at("2026-11-14T12:00:00Z"), timeZone: "UTC" });
    expect(back).toMatchObject({ ok: true, streak: 3, frozenDays: ["2026-11-12", "2026-11-13"] });
    const snap = await w.snapshot({ userId: user.id, at: at("2026-11-14T13:00:00Z"), timeZone: "UTC", days: 5 });
    expect(snap.calendar.map((d) => d.kind)).toEqual(["active", "active", "frozen", "frozen", "active"]);
    expect(snap).toMatchObject({ freezes: 0, balance: 1000 - 400 + 5 + 10 });
  });
});
