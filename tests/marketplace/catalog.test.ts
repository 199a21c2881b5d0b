import { describe, expect, it } from "vitest";
import { Browser, insertUser, signedInAs } from "../helpers";
import { insertCourse } from "./helpers";

const list = async (query: Record<string, string>) => {
  const res = await new Browser().json(`/api/courses/list?${new URLSearchParams(query)}`);
  return res;
};

/** A catalog of one instructor with known attributes (the instructor filter isolates it). */
async function catalog() {
  const instructor = await insertUser("instructor", { name: "Catalog Teacher" });
  const base = Date.now() - 1_000_000;
  const specs = [
    { title: "Kubernetes in production", category: "development", level: "advanced", language: "en", priceAmount: 4900, ratingAvg: 480, enrollmentCount: 50 },
    { title: "Watercolor basics", category: "design", level: "beginner", language: "fr", priceAmount: 0, ratingAvg: 450, enrollmentCount: 50 },
    { title: "Python for data", category: "data", level: "beginner", language: "en", priceAmount: 1999, ratingAvg: 390, enrollmentCount: 120 },
    { title: "Advanced statistics", category: "data", level: "advanced", language: "de", priceAmount: 9900, ratingAvg: 0, enrollmentCount: 3 },
    { title: "Guitar chords", category: "music", level: "beginner", language: "es", priceAmount: 0, ratingAvg: 300, enrollmentCount: 50 },
    { title: "Marketing funnels", category: "marketing", level: "intermediate", language: "en", priceAmount: 1500, ratingAvg: 410, enrollmentCount: 7 },
    { title: "Street photography", category: "photography", level: "intermediate", language: "it", priceAmount: 2500, ratingAvg: 500, enrollmentCount: 0 },
  ] as const;
  const rows = [];
  for (const [i, s] of specs.entries()) rows.push(await insertCourse(instructor.id, { ...s, ratingCount: s.ratingAvg ? 3 : 0, publishedAt: base + i * 1000 }));
  const hidden = [
    await insertCourse(instructor.id, { title: "Kubernetes draft", status: "draft" }),
    await insertCourse(instructor.id, { title: "Kubernetes unlisted", status: "unlisted" }),
    await insertCourse(instructor.id, { title: "Kubernetes archived", status: "archived" }),
  ];
  return { instructor, rows, hidden };
}

describe("GET /api/courses/list", () => {
  it("filters by every filter, alone and combined, and lists published courses only", async () => {
    const { instructor, rows } = await catalog();
    const titles = async (q: Record<string, string>) => (await list({ instructor: instructor.id, limit: "50", ...q })).body.items.map((c: { title: string }) => c.title).sort();
    const expectTitles = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).map((r) => r.title).sort();

    expect(await titles({})).toEqual(expectTitles(() => true));
    expect(await titles({ category: "data" })).toEqual(expectTitles((r) => r.category === "data"));
    expect(await titles({ level: "beginner" })).toEqual(expectTitles((r) => r.level === "beginner"));
    expect(await titles({ language: "en" })).toEqual(expectTitles((r) => r.language === "en"));
    expect(await titles({ price: "free" })).toEqual(expectTitles((r) => r.priceAmount === 0));
    expect(await titles({ price: "paid" })).toEqual(expectTitles((r) => r.priceAmount > 0));
    expect(await titles({ minPrice: "1500", maxPrice: "2500" })).toEqual(expectTitles((r) => r.priceAmount >= 1500 && r.priceAmount <= 2500));
    expect(await titles({ minRating: "4.5" })).toEqual(expectTitles((r) => r.ratingAvg >= 450));
    expect(await titles({ q: "kubernetes" })).toEqual(["Kubernetes in production"]);
    expect(await titles({ q: "kuber" })).toEqual(["Kubernetes in production"]); // prefix
    expect(await titles({ q: "PYTHON data" })).toEqual(["Python for data"]);
    expect(await titles({ q: "\"'*()" })).toEqual(expectTitles(() => true)); // nothing searchable: no filter, no error
    expect(await titles({ category: "data", level: "beginner", price: "paid", minRating: "3" })).toEqual(["Python for data"]);
    const other = await insertUser("instructor");
    expect(await titles({ instructor: other.id })).toEqual([]);
  });

  it("sorts by popularity, newest, rating and price with stable pages across ties", async () => {
    const { instructor, rows } = await catalog();
    const cmp = {
      popular: (a: any, b: any) => b.enrollmentCount - a.enrollmentCount || (a.id < b.id ? 1 : -1),
      newest: (a: any, b: any) => b.publishedAt - a.publishedAt || (a.id < b.id ? 1 : -1),
      rating: (a: any, b: any) => b.ratingAvg - a.ratingAvg || (a.id < b.id ? 1 : -1),
      price_asc: (a: any, b: any) => a.priceAmount - b.priceAmount || (a.id < b.id ? -1 : 1),
      price_desc: (a: any, b: any) => b.priceAmount - a.priceAmount || (a.id < b.id ? 1 : -1),
    };
    for (const [sort, fn] of Object.entries(cmp)) {
      const expected = [...rows].sort(fn).map((r) => r.id);
      for (const limit of [1, 2, 3, 7, 50]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res = await list({ instructor: instructor.id, sort, limit: String(limit), ...(cursor ? { cursor } : {}) });
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((c: { id: string }) => c.id));
          cursor = res.body.nextCursor;
          pages++;
        } while (cursor && pages < 20);
        expect(seen, `${sort} limit ${limit}`).toEqual(expected);
        expect(pages).toBe(Math.max(1, Math.ceil(rows.length / limit)));
      }
    }
  });

  it("returns the public course shape", async () => {
    const { instructor, rows } = await catalog();
    const res = await list({ instructor: instructor.id, sort: "price_desc", limit: "1" });
    expect(res.body.items[0]).toMatchObject({
      id: rows[3]!.id,
      slug: rows[3]!.slug,
      price: { amount: 9900, currency: "usd" },
      isFree: false,
      instructor: { id: instructor.id, name: "Catalog Teacher" },
      rating: { average: 0, count: 0 },
      status: "published",
    });
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  const bad: [string, Record<string, string>][] = [
    ["unknown category", { category: "cooking" }],
    ["unknown level", { level: "guru" }],
    ["unknown language", { language: "tlh" }],
    ["unknown price kind", { price: "cheap" }],
    ["negative price", { minPrice: "-1" }],
    ["non-numeric price", { maxPrice: "ten" }],
    ["min above max", { minPrice: "500", maxPrice: "100" }],
    ["rating above 5", { minRating: "6" }],
    ["bad instructor id", { instructor: "x" }],
    ["unknown sort", { sort: "random" }],
    ["limit too big", { limit: "51" }],
    ["limit zero", { limit: "0" }],
    ["garbage cursor", { cursor: "not-a-cursor" }],
    ["unknown parameter", { color: "red" }],
    ["search too long", { q: "x".repeat(101) }],
  ];
  it.each(bad)("rejects %s with 400", async (_name, query) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", details: { fieldErrors: expect.any(Object) } });
  });

  it("rejects a cursor from another sort order", async () => {
    const { instructor } = await catalog();
    const first = await list({ instructor: instructor.id, sort: "newest", limit: "1" });
    const res = await list({ instructor: instructor.id, sort: "price_asc", cursor: first.body.nextCursor });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fieldErrors.cursor).toBeDefined();
  });
});

describe("catalog page", () => {
  it("renders filters from the URL without JavaScript", async () => {
    const { instructor } = await catalog();
    const res = await new Browser().fetch(`/courses?instructor=${instructor.id}&category=data&sort=price_asc`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Python for data");
    expect(html).toContain("Advanced statistics");
    expect(html).not.toContain("Watercolor basics");
    expect(html.indexOf("Python for data")).toBeLessThan(html.indexOf("Advanced statistics"));
    expect(html).toMatch(/<option value="data" selected="">/);
  });

  it("shows invalid filters as a message, not an error page", async () => {
    const res = await new Browser().fetch("/courses?level=guru");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Some filters could not be used");
  });
});

describe("catalog page price fields", () => {
  it("take dollars, filter in minor units, and explain a bad amount next to the field", async () => {
    const { browser } = await signedInAs("student");
    const ok = await browser.fetch("/courses?from=10&upTo=20.50");
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('value="20.50"');
    expect(html).not.toContain("Some filters could not be used");
    const bad = await (await browser.fetch("/courses?from=ten")).text();
    expect(bad).toContain('id="field-from-error"');
    expect(bad).toContain("Enter an amount in dollars");
  });
});
