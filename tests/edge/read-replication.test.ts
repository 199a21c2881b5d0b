import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bookmarkFromCookie, bookmarkSetCookie, openD1Session } from "~/utils/d1-session.server";
import { signedInAs } from "../helpers";

// D1 read replication through the Sessions API (app/utils/d1-session.server.ts, workers/app.ts):
// reads start anywhere or from the browser's bookmark, writes on the primary, and the bookmark
// travels in an HttpOnly cookie so the next request reads at least what this one wrote.
const bookmarkCookies = (res: Response) => res.headers.getSetCookie().filter((c) => c.startsWith("__d1b="));

describe("D1 read replication", () => {
  it("a write sets the bookmark cookie and the next request reads the write", async () => {
    const { browser } = await signedInAs("student");
    await browser.fetch("/account");
    const write = await browser.submit("/account", { intent: "create-token", name: "Replica check" });
    expect(write.status).toBe(200);
    const [cookie] = bookmarkCookies(write);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/); // outside production
    const bookmark = browser.cookies.get("__d1b")!;
    expect(bookmark).toMatch(/^[0-9a-f-]+$/i);
    // The next request starts its session from that bookmark and sees the new key.
    const read = await browser.fetch("/account");
    expect(read.status).toBe(200);
    expect(await read.text()).toContain("Replica check");
  });

  it("opens reads from the browser's bookmark and writes on the primary", async () => {
    // A bookmark from a session that wrote.
    const writer = env.DB.withSession("first-primary");
    await writer.prepare("UPDATE edge_cache_version SET version = version WHERE id = 1").run();
    const bookmark = writer.getBookmark()!;
    expect(bookmark).toMatch(/^[0-9a-f-]+$/i);
    const withCookie = (method: string, cookie: string) => new Request("http://localhost/account", { method, headers: { Cookie: cookie } });

    const read = openD1Session(env.DB, withCookie("GET", `__csrf=x; __d1b=${bookmark}`));
    expect(read.bookmark).toBe(bookmark);
    expect(read.session?.getBookmark()).toBe(bookmark); // continues from the bookmark
    expect(await read.db.prepare("select 1 as ok").first()).toEqual({ ok: 1 });

    const post = openD1Session(env.DB, withCookie("POST", `__d1b=${bookmark}`));
    await post.db.prepare("UPDATE edge_cache_version SET version = version WHERE id = 1").run();
    expect(post.session?.getBookmark()).toMatch(/^[0-9a-f-]+$/i);

    // Anything that is not a bookmark is ignored; production cookies are Secure.
    expect(bookmarkFromCookie(withCookie("GET", "__d1b=<script>"))).toBeNull();
    const fresh = openD1Session(env.DB, withCookie("GET", ""));
    await fresh.db.prepare("select 1").first();
    expect(bookmarkSetCookie(fresh, true)).toMatch(/^__d1b=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/);
    // A request that made no D1 call leaves the bookmark where it was: no cookie.
    expect(bookmarkSetCookie(openD1Session(env.DB, withCookie("GET", `__d1b=${bookmark}`)), false)).toBeNull();
  });
});
