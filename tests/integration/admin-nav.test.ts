import { describe, expect, it } from "vitest";
import { signedInAs } from "../helpers";

describe("the header's Admin group", () => {
  it("links every admin page to an admin, and each link opens; a student has no Admin group", async () => {
    const { browser } = await signedInAs("admin");
    const html = await (await browser.fetch("/")).text();
    const group = /data-testid="admin-nav"[\s\S]*?<\/details>/.exec(html)?.[0] ?? "";
    const links = [...group.matchAll(/href="(\/admin[^"]*)"/g)].map((m) => m[1]!);
    expect(links).toEqual(["/admin", "/admin/users", "/admin/payments", "/admin/disputes", "/admin/refund-requests", "/admin/coupons", "/admin/emails", "/admin/licenses", "/admin/tokens", "/admin/audit", "/admin/archive"]);
    for (const link of links) expect((await browser.fetch(link)).status, link).toBe(200);

    const student = await signedInAs("student");
    expect(await (await student.browser.fetch("/")).text()).not.toContain('data-testid="admin-nav"');
  });
});
