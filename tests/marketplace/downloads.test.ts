import { describe, expect, it } from "vitest";
import { Browser, bearer, jsonBody, signedInAs } from "../helpers";
import { PDF } from "./helpers";
import { complete, enrolledLearner, pageText } from "./perks";

const fileUrl = (l: { course: { id: string; moduleId: string } }) => `/api/courses/${l.course.id}/modules/${l.course.moduleId}/file`;

describe("course file downloads (the offline_downloads perk)", () => {
  it("Free learners view files in the page but cannot download them: 403 feature_locked with the upgrade hint", async () => {
    const learner = await enrolledLearner({ pro: false });
    const url = fileUrl(learner);
    // Viewing: the module page's frame, a player's range requests, the PDF opened in a tab.
    for (const init of [{ headers: { "Sec-Fetch-Dest": "iframe" } }, { headers: { "Sec-Fetch-Dest": "document" } }, {}]) {
      const viewed = await learner.browser.fetch(url, init);
      expect(viewed.status).toBe(200);
      expect(viewed.headers.get("Content-Disposition")).toBe('inline; filename="lesson.pdf"');
      expect(new Uint8Array(await viewed.arrayBuffer())).toEqual(PDF);
    }
    expect((await learner.browser.fetch(url, { headers: { "Sec-Fetch-Dest": "video", Range: "bytes=0-4" } })).status).toBe(206);

    for (const [what, request] of [
      ["?download=1", () => learner.browser.json(`${url}?download=1`)],
      ["?download=1 with a Range", () => learner.browser.json(`${url}?download=1`, { headers: { Range: "bytes=0-4" } })],
    ] as const) {
      const res = await request();
      expect(res.status, what).toBe(403);
      expect(res.body.error).toEqual({
        code: "feature_locked",
        message: "Download course files for offline study is part of Coursemint Pro. Upgrade to unlock it.",
        details: { feature: "offline_downloads", currentTier: "free", requiredTier: "pro", upgradeUrl: "/pricing?feature=offline_downloads" },
      });
    }
    // A program with the learner's API key is downloading, whatever it asks.
    const key = await learner.browser.json("/api/api-keys", jsonBody({ name: "offline copy" }));
    const program = await new Browser().json(url, bearer(key.body.token, { headers: { "Sec-Fetch-Dest": "iframe" } }));
    expect(program.status).toBe(403);
    expect(program.body.error.code).toBe("feature_locked");

    // The module page shows the file and says why there is no Download link.
    const page = await pageText(await learner.browser.fetch(`/courses/${learner.course.slug}/learn/${learner.course.moduleId}`));
    expect(page).toContain('data-testid="module-pdf"');
    expect(page).toContain("Download course files for offline study is a Pro perk.");
    expect(page).toContain('href="/pricing?feature=offline_downloads"');
    expect(page).not.toContain("?download=1");
  });

  it("Pro learners download as an attachment; the course's instructor and admins always may", async () => {
    const pro = await enrolledLearner({ pro: true });
    const res = await pro.browser.fetch(`${fileUrl(pro)}?download=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="lesson.pdf"');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PDF);
    const page = await pageText(await pro.browser.fetch(`/courses/${pro.course.slug}/learn/${pro.course.moduleId}`));
    expect(page).toContain(`href="${fileUrl(pro)}?download=1"`);
    expect(page).not.toContain('data-testid="download-locked"');

    const admin = await signedInAs("admin");
    for (const who of [{ browser: await loginAs(pro.instructor.email) }, admin]) {
      const got = await who.browser.fetch(`${fileUrl(pro)}?download=1`);
      expect(got.status).toBe(200);
      expect(got.headers.get("Content-Disposition")).toMatch(/^attachment;/);
    }
    // Another instructor is not the course's: no access at all.
    const other = await signedInAs("instructor");
    expect((await other.browser.json(`${fileUrl(pro)}?download=1`)).body.error.code).toBe("forbidden");
  });

  it("My learning: a Free learner who finished a course is told certificates are a Pro perk, a Pro learner gets the PDF", async () => {
    const free = await enrolledLearner({ pro: false, courseTitle: "Finished on Free" });
    await complete(free);
    const freeHtml = await pageText(await free.browser.fetch("/learning"));
    expect(freeHtml).toContain("Certificates of completion are a Pro perk.");
    expect(freeHtml).toContain('href="/pricing?feature=certificates"');
    expect(freeHtml).not.toContain("Your certificates");
    expect(freeHtml).not.toContain('data-testid="certificate-link"');

    const pro = await enrolledLearner({ pro: true, courseTitle: "Finished on Pro" });
    await complete(pro);
    const proHtml = await pageText(await pro.browser.fetch("/learning"));
    expect(proHtml).toMatch(/href="\/api\/certificates\/[0-9A-Z-]{23}\/pdf"[^>]*data-testid="certificate-link"/);
    expect(proHtml).toContain("Download certificate (PDF)");
    expect(proHtml).toContain("Your certificates");
    expect(proHtml).not.toContain("are a Pro perk");
  });
});

async function loginAs(email: string) {
  const browser = new Browser();
  await browser.login(email);
  return browser;
}
