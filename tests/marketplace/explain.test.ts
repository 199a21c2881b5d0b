import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { encodeCursor, listCourses, listingQuerySchema, listingStatement, LISTING_SORTS, type TextStrategy } from "~/modules/marketplace/listing.server";
import { createId } from "~/utils/ids";
import { courseSeedStatements } from "../../scripts/bench/listing-seed.mjs";

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const N = 100_000;

beforeAll(async () => {
  for (const statement of courseSeedStatements(N) as string[]) await env.DB.prepare(statement).run();
}, 120_000);

const FILTERS: Record<string, Record<string, string>> = {
  none: {},
  category: { category: "data" },
  level: { level: "advanced" },
  language: { language: "fr" },
  priceRange: { minPrice: "500", maxPrice: "1500" },
  free: { price: "free" },
  paid: { price: "paid" },
  minRating: { minRating: "4.5" },
  instructor: { instructor: `usr_${"7".padStart(26, "0")}` },
  text: { q: "kubernetes" },
  combined: { category: "design", level: "beginner", language: "en", price: "paid", minRating: "2", q: "python" },
};

async function plan(query: Record<string, string>, text: TextStrategy = "fts") {
  const parsed = listingQuerySchema.parse(query);
  const { sql, params } = listingStatement(app(), parsed, text).toSQL();
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
  return rows.results.map((r) => r.detail);
}

describe(`listing query plans with ${N.toLocaleString("en")} courses`, () => {
  it("seeded the catalog", async () => {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM courses").first<{ n: number }>();
    expect(row!.n).toBeGreaterThanOrEqual(N);
  });

  // Text searches run either way (see TextStrategy); both are checked.
  const cases = Object.entries(FILTERS).flatMap(([name, filter]) =>
    LISTING_SORTS.flatMap((sort) =>
      (filter.q ? (["fts", "index"] as const) : (["fts"] as const)).flatMap((text) => [
        [`${name} / ${sort}${filter.q ? ` / ${text}` : ""}`, { ...filter, sort }, false, text] as const,
        [`${name} / ${sort}${filter.q ? ` / ${text}` : ""} / page 2`, { ...filter, sort }, true, text] as const,
      ]),
    ),
  );

  it.each(cases)("%s uses an index (no full table scan)", async (_name, query, withCursor, text) => {
    const q: Record<string, string> = { ...query };
    if (withCursor) q.cursor = encodeCursor({ s: q.sort as (typeof LISTING_SORTS)[number], v: 1000, id: `crs_${"5".padStart(26, "0")}` });
    const details = await plan(q, text);
    const scans = details.filter((d) => /^SCAN (courses|users)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d));
    expect(scans, details.join("\n")).toEqual([]);
    expect(details.join("\n")).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|VIRTUAL TABLE INDEX/);
  });

  it("answers text searches with few and with many matches", async () => {
    const many = await listCourses(app(), listingQuerySchema.parse({ q: "kubernetes", sort: "newest" }));
    expect(many.items).toHaveLength(20);
    expect(many.items.every((c) => /Kubernetes/.test(c.title + c.description))).toBe(true);
    const few = await listCourses(app(), listingQuerySchema.parse({ q: "course 4242 watercolor" }));
    expect(few.items.map((c) => c.slug)).toContain("seed-course-4242");
  });

  it("answers a page of every sort quickly", async () => {
    for (const sort of LISTING_SORTS) {
      const started = Date.now();
      const page = await listCourses(app(), listingQuerySchema.parse({ sort, category: "music" }));
      expect(page.items).toHaveLength(20);
      expect(Date.now() - started, sort).toBeLessThan(2000);
    }
  });
});
