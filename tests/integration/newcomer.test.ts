import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Browser } from "../helpers";

/** What a newcomer trips over on every page (issue 30): the header, the footer, the 404 page, the favicon. */
describe("first impressions", () => {
  const text = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, " ");

  it("the 404 page says 'Page not found' once, with a way home", async () => {
    const res = await new Browser().fetch("/no-such-page");
    expect(res.status).toBe(404);
    const main = text((await res.text()).split('<main id="main"')[1]!.split("</main>")[0]!);
    expect(main.match(/page not found/gi)).toHaveLength(1);
    expect(main).toContain("find what you were looking for.");
    expect(main).toContain("Back to the home page");
  });

  it("the footer's Status is a page in words, and /api/health stays JSON for monitors", async () => {
    const home = await (await new Browser().fetch("/courses")).text();
    const footer = home.split('<footer class="site-footer">')[1]!.split("</footer>")[0]!;
    expect(footer).toContain('href="/status"');
    expect(footer).not.toContain('href="/api/health"');
    const status = await new Browser().fetch("/status");
    expect(status.status).toBe(200);
    expect(status.headers.get("Cache-Control")).toBe("no-store");
    const page = text(await status.text());
    expect(page).toContain("Everything is working.");
    expect(page).toMatch(/Database\s+Answering \(\d+ ms\)/);
    expect(page).toContain("/api/health");
    const health = await new Browser().fetch("/api/health");
    expect(health.headers.get("Content-Type")).toContain("application/json");
  });

  it("the development mailbox is in the footer, not the first item of the public header", async () => {
    const html = await (await new Browser().fetch("/courses")).text();
    const header = html.split('<header class="site-header">')[1]!.split("</header>")[0]!;
    expect(header).not.toContain("/dev/mailbox");
    expect(html.split('<footer class="site-footer">')[1]).toContain('href="/dev/mailbox"');
  });

  it("every page names a favicon, and it is served (no 404 in every page's console)", async () => {
    const html = await (await new Browser().fetch("/courses")).text();
    expect(html).toMatch(/<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml"\/?>/);
    // Static files are answered by the Worker's assets (build/client, from public/) before the Worker runs.
    const icon = await env.ASSETS.fetch("http://localhost/favicon.svg");
    expect(icon.status).toBe(200);
    expect(await icon.text()).toContain("<svg");
  });
});
