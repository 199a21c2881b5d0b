import { expect, logIn, test } from "./fixtures";

// Demo data (scripts/seed-courses.mjs): "SQL for Analysts" (d001) has three modules — Markdown
// notes, a PDF, more notes — and demo learners 1–10 are enrolled in it; "Strength Training at
// Home" (d010, $15.00) has learners 1–3 only. Each variant below signs in as its own learner, so the
// progress it records is its own.
const demoId = (course: number, module: number) => `mod_${"0".repeat(21)}${String(course).padStart(3, "0")}${module}d`;
const SQL = { slug: "sql-for-analysts-d001", title: "SQL for Analysts" };

const variants = [
  { name: "1280 px, JavaScript on", viewport: { width: 1280, height: 900 }, javaScriptEnabled: true, learner: 5 },
  { name: "390 px, JavaScript on", viewport: { width: 390, height: 844 }, javaScriptEnabled: true, learner: 6 },
  { name: "1280 px, JavaScript off", viewport: { width: 1280, height: 900 }, javaScriptEnabled: false, learner: 7 },
  { name: "390 px, JavaScript off", viewport: { width: 390, height: 844 }, javaScriptEnabled: false, learner: 8 },
];

async function expectNoHorizontalScroll(page: import("@playwright/test").Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "page is wider than the screen").toBeLessThanOrEqual(0);
}

for (const v of variants) {
  test.describe(v.name, () => {
    test.use({ viewport: v.viewport, javaScriptEnabled: v.javaScriptEnabled });

    test("an enrolled learner continues from My learning, reads the notes, goes next, marks complete and sees progress move", async ({ page }) => {
      await logIn(page, `learner${String(v.learner).padStart(2, "0")}@coursemint.test`);
      // Signing in lands on My learning.
      await expect(page.getByRole("heading", { name: "My learning", level: 1 })).toBeVisible();
      // At phone width the navigation sits behind the header's Menu (a <details>, no JavaScript needed).
      if (v.viewport.width < 800) await page.getByText("Menu", { exact: true }).click();
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Certificates" })).toBeVisible();
      const card = page.getByTestId("learning-course").filter({ hasText: SQL.title });
      await expect(card).toContainText("0 of 3 modules complete");
      await expect(card.getByRole("progressbar")).toBeVisible();
      await expectNoHorizontalScroll(page);

      // Start (nothing done yet) opens the first module: Markdown rendered, not raw text.
      await card.getByRole("link", { name: /^Start/ }).click();
      await expect(page).toHaveURL(new RegExp(`/courses/${SQL.slug}/learn/${demoId(1, 0)}$`));
      await expect(page.getByRole("heading", { name: "Course notes and first exercise", level: 1 })).toBeVisible();
      const notes = page.getByTestId("module-markdown");
      await expect(notes.getByRole("heading", { name: "Worked example" })).toBeVisible();
      await expect(notes.locator("pre code")).toContainText("GROUP BY category");
      await expect(notes.getByRole("table")).toBeVisible();
      await expect(notes).not.toContainText("## ");
      await expect(page.getByTestId("outline").getByRole("link")).toHaveCount(3);
      await expect(page.getByTestId("course-progress")).toContainText("0 of 3 modules complete");
      await expectNoHorizontalScroll(page);

      // Next: the PDF module, embedded with a way to open it.
      await page.getByRole("link", { name: /^Next: Welcome slides/ }).click();
      await expect(page.getByRole("heading", { name: "Welcome slides (PDF)", level: 1 })).toBeVisible();
      await expect(page.getByTestId("module-pdf")).toBeVisible();
      await expect(page.getByRole("link", { name: "Open welcome.pdf" })).toBeVisible();
      await expect(page.getByRole("link", { name: /^← Previous/ })).toBeVisible();

      // Mark complete: the progress moves, on this page and on My learning.
      await page.getByRole("button", { name: "Mark as complete" }).click();
      await expect(page.getByText("Module marked complete.")).toBeVisible();
      await expect(page.getByTestId("module-done")).toBeVisible();
      await expect(page.getByTestId("course-progress")).toContainText("1 of 3 modules complete");
      await expect(page.getByTestId("outline").getByRole("link", { name: /Welcome slides \(PDF\) \(completed\)/ })).toHaveAttribute("aria-current", "page");

      if (v.viewport.width < 800) await page.getByText("Menu", { exact: true }).click();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My learning" }).click();
      const after = page.getByTestId("learning-course").filter({ hasText: SQL.title });
      await expect(after).toContainText("1 of 3 modules complete");
      await expect(after.getByRole("progressbar")).toHaveAttribute("value", "1");
      // Continue goes to the first module not yet completed.
      await after.getByRole("link", { name: /^Continue/ }).click();
      await expect(page).toHaveURL(new RegExp(`/learn/${demoId(1, 0)}$`));
    });

    test("a learner who is not enrolled is sent to the course page with its Buy button", async ({ page }) => {
      await logIn(page, `learner${String(v.learner).padStart(2, "0")}@coursemint.test`);
      await page.goto(`/courses/strength-training-at-home-d010/learn/${demoId(10, 0)}`);
      await expect(page).toHaveURL(/\/courses\/strength-training-at-home-d010\?enroll=required$/);
      await expect(page.getByTestId("enroll-required")).toContainText("Buy this course to open its modules.");
      await expect(page.getByRole("button", { name: /^Buy for \$15\.00/ })).toBeVisible();
      // The course page shows its cover, its instructor and the rating in words.
      await expect(page.getByTestId("instructor-card")).toContainText("Ian Instructor");
      await expect(page.locator(".course-hero .course-cover")).toBeVisible();
      await expectNoHorizontalScroll(page);
    });
  });
}
