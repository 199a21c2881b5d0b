import { describe, expect, it } from "vitest";
import { weekStart } from "~/modules/tokens/periods";
import { insertUser } from "../helpers";
import { credit, leaderboard, wallet } from "./helpers";

describe("Leaderboard Durable Object", () => {
  it("ranks by score, ties to whoever reached the score first, and skips items it already counted", async () => {
    const board = leaderboard(`test:${crypto.randomUUID()}`);
    await board.apply([
      { userId: "a", hidden: false, items: [{ seq: 1, delta: 100, at: 10 }] },
      { userId: "b", hidden: false, items: [{ seq: 1, delta: 100, at: 5 }] },
      { userId: "c", hidden: false, items: [{ seq: 1, delta: 3000, at: 1 }] },
      { userId: "d", hidden: false, items: [{ seq: 1, delta: 50, at: 1 }] },
    ]);
    // Redelivered (seq 1) and new (seq 2) items for a: only seq 2 counts.
    await board.apply([{ userId: "a", hidden: false, items: [{ seq: 1, delta: 100, at: 10 }, { seq: 2, delta: 1, at: 20 }] }]);
    expect((await board.top(10)).map((r) => [r.userId, r.score, r.rank])).toEqual([
      ["c", 3000, 1],
      ["a", 101, 2],
      ["b", 100, 3],
      ["d", 50, 4],
    ]);
    expect(await board.rankOf("b")).toMatchObject({ rank: 3, score: 100 });
    await board.apply([{ userId: "d", hidden: false, items: [{ seq: 2, delta: 50, at: 30 }] }]); // d reaches 100 after b
    expect(await board.rankOf("d")).toMatchObject({ rank: 4, score: 100 });
    await board.setHidden("c", true);
    expect((await board.top(2)).map((r) => r.userId)).toEqual(["a", "b"]);
    expect(await board.rankOf("c")).toBeNull();
    expect(await board.rankOf("d")).toMatchObject({ rank: 3 });
    expect(await board.size()).toBe(3);
  });

  it("rank from the count tables matches a full sort for many members", async () => {
    const board = leaderboard(`test:${crypto.randomUUID()}`);
    const members = Array.from({ length: 2000 }, (_, i) => ({ userId: `u${i}`, score: (i * 7919) % 5000, at: i % 13 }));
    await board.apply(members.map((m) => ({ userId: m.userId, hidden: false, items: [{ seq: 1, delta: m.score, at: m.at }] })));
    const sorted = [...members].sort((a, b) => b.score - a.score || a.at - b.at || (a.userId < b.userId ? -1 : 1));
    for (const i of [0, 1, 17, 999, 1500, 1999]) {
      expect(await board.rankOf(sorted[i]!.userId)).toMatchObject({ rank: i + 1 });
    }
    expect((await board.top(5)).map((r) => r.userId)).toEqual(sorted.slice(0, 5).map((m) => m.userId));
  });

  it("wallets feed this week's and the all-time board as they project", async () => {
    const [a, b] = [await insertUser(), await insertUser()];
    const now = Date.now();
    await credit(a.id, 70, "a1", now);
    await credit(b.id, 90, "b1", now);
    await credit(b.id, 5, "b2", now - 8 * 86_400_000); // an earlier week: all-time only
    await Promise.all([wallet(a.id).flush(), wallet(b.id).flush()]);
    const week = leaderboard(`week:${weekStart(now)}`);
    const all = leaderboard("all");
    expect(await week.scoresOf([a.id, b.id])).toMatchObject([{ score: 70 }, { score: 90 }]);
    expect(await all.scoresOf([a.id, b.id])).toMatchObject([{ score: 70 }, { score: 95 }]);
    // Flushing again adds nothing.
    await Promise.all([wallet(a.id).flush(), wallet(b.id).flush()]);
    expect(await all.scoresOf([b.id])).toMatchObject([{ score: 95 }]);
  });
});
