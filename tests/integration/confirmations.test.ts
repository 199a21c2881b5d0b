import { and, eq, isNull } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { apiTokens, courseModules, courses, licenses, organizationMembers, payments, refunds, sessions } from "~drizzle/schema";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { insertCourse as insertPaidCourse, deliverWebhooks, emulator, paymentRow, waitForPayment } from "../payments/helpers";
import { insertCourse } from "../marketplace/helpers";

/*
 * Destructive page actions ask first (app/utils/confirm.server.ts): the first POST answers with a
 * confirmation step and changes nothing; only a POST carrying confirm=yes acts. The server refuses
 * to act without it, whatever the page sent.
 */

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

const moduleRow = (id: string) => db().select().from(courseModules).where(eq(courseModules.id, id)).get();
const courseRow = (id: string) => db().select().from(courses).where(eq(courses.id, id)).get();

describe("confirmation before destructive actions", () => {
  it("refund (admin): asks with the amount and the buyer, refunds only with confirm=yes; full and partial", async () => {
    const { course } = await insertPaidCourse({ priceAmount: 4900 });
    const learner = await signedInAs("student");
    const bought = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
    expect(bought.status).toBe(201);
    await deliverWebhooks();
    const payment = await waitForPayment(bought.body.paymentId, "succeeded");
    await waitFor(async () => (await paymentRow(payment.id))?.fulfilledAt);
    const admin = await signedInAs("admin");

    // Partial: the step names the amount; nothing is refunded yet.
    const askPartial = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "10.00", reason: "Partial goodwill" });
    expect(askPartial.status).toBe(200);
    const partialHtml = await askPartial.text();
    expect(partialHtml).toContain("Refund $10.00 to Test User?");
    expect(partialHtml).toContain("This cannot be undone.");
    // What remains after this refund ($49.00 − $10.00), not what is left before it; and the reason is public.
    expect(partialHtml).toContain("$39.00 will be left to refund after it");
    expect(partialHtml).not.toContain("$49.00 will be left");
    expect(partialHtml).toContain("The learner sees your reason, “Partial goodwill”, on their receipt and in the email.");
    expect(partialHtml).toMatch(/<input type="hidden" name="confirm" value="yes"/);
    expect(await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all()).toHaveLength(0);

    // Full (empty amount): the step names the whole amount; a wrong confirm value still refuses.
    const askFull = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "", reason: "Asked for it" });
    expect(await askFull.text()).toContain("Refund $49.00 to Test User?");
    const sloppy = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "", reason: "Asked for it", confirm: "true" });
    expect(sloppy.status).toBe(200);
    expect(await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all()).toHaveLength(0);
    expect((await paymentRow(payment.id))!.amountRefundPending + (await paymentRow(payment.id))!.amountRefunded).toBe(0);

    const done = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "10.00", reason: "Partial goodwill", confirm: "yes" });
    expect(done.status).toBe(200);
    expect(await done.text()).toMatch(/(Refunded|Refund pending) \(refund ref_\w+\)/);
    const rows = await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all();
    expect(rows).toEqual([expect.objectContaining({ amount: 1000 })]);
  });

  it("refund of an unpaid payment is refused before any confirmation (409)", async () => {
    const { course } = await insertPaidCourse();
    const learner = await signedInAs("student");
    const started = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id }));
    const admin = await signedInAs("admin");
    const res = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: started.body.paymentId, amount: "", reason: "Nothing to refund" });
    expect(res.status).toBe(409);
    expect((await db().select().from(payments).where(eq(payments.id, started.body.paymentId)).get())!.amountRefunded).toBe(0);
  });

  it("module delete, unpublish and archive (instructor) and unpublish (admin) ask first", async () => {
    const instructor = await signedInAs("instructor");
    const course = await insertCourse(instructor.user.id, { title: "Tide pools" });
    const page = `/instructor/courses/${course.id}`;

    const askDelete = await instructor.browser.submit(page, { intent: "delete-module", moduleId: course.moduleId });
    expect(askDelete.status).toBe(200);
    expect(await askDelete.text()).toContain("Delete the module “Lesson 1”?");
    expect(await moduleRow(course.moduleId)).toBeTruthy();

    const askUnpublish = await instructor.browser.submit(page, { intent: "status", status: "draft" });
    expect(await askUnpublish.text()).toContain("Unpublish “Tide pools”?");
    const askArchive = await instructor.browser.submit(page, { intent: "status", status: "archived" });
    expect(await askArchive.text()).toContain("Archive “Tide pools”?");
    expect((await courseRow(course.id))!.status).toBe("published");

    const admin = await signedInAs("admin");
    const askModerate = await admin.browser.submit(`/courses/${course.slug}`, { intent: "unpublish" });
    expect(askModerate.status).toBe(200);
    expect(await askModerate.text()).toContain("Unpublish “Tide pools”?");
    expect((await courseRow(course.id))!.status).toBe("published");

    // Publishing needs no confirmation; unpublishing with confirm=yes acts.
    expect((await admin.browser.submit(`/courses/${course.slug}`, { intent: "unpublish", confirm: "yes" })).status).toBe(200);
    expect((await courseRow(course.id))!.status).toBe("draft");
    expect((await instructor.browser.submit(page, { intent: "status", status: "published" })).status).toBe(200);
    expect((await courseRow(course.id))!.status).toBe("published");

    // Deleting the last module of a published course is refused by the rules even when confirmed.
    const refused = await instructor.browser.submit(page, { intent: "delete-module", moduleId: course.moduleId, confirm: "yes" });
    expect(refused.status).toBe(409);
    expect((await instructor.browser.submit(page, { intent: "status", status: "draft", confirm: "yes" })).status).toBe(200);
    expect((await instructor.browser.submit(page, { intent: "delete-module", moduleId: course.moduleId, confirm: "yes" })).status).toBe(200);
    expect(await moduleRow(course.moduleId)).toBeUndefined();
  });

  it("removing an organization member asks first", async () => {
    const admin = await signedInAs("admin");
    const owner = await signedInAs("enterprise");
    const member = await signedInAs("student");
    const created = await admin.browser.json(
      "/api/enterprise/licenses/create",
      jsonBody({ organizationName: `Team ${owner.user.id.slice(-6)}`, ownerEmail: owner.user.email, tier: "enterprise", durationDays: 365 }),
    );
    expect(created.status).toBe(201);
    const page = `/enterprise?organizationId=${created.body.license.organizationId as string}`;
    expect((await owner.browser.submit(page, { intent: "add-member", email: member.user.email })).status).toBe(200);
    const membership = () =>
      db().select().from(organizationMembers).where(and(eq(organizationMembers.organizationId, created.body.license.organizationId), eq(organizationMembers.userId, member.user.id))).get();
    expect(await membership()).toBeDefined();

    const ask = await owner.browser.submit(page, { intent: "remove-member", userId: member.user.id });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain(`Remove ${member.user.name} from`);
    expect(await membership()).toBeDefined();
    // Someone who may not remove members is refused before any question.
    expect((await member.browser.submit(page, { intent: "remove-member", userId: owner.user.id })).status).toBe(403);
    expect((await owner.browser.submit(page, { intent: "remove-member", userId: member.user.id, confirm: "yes" })).status).toBe(200);
    expect(await membership()).toBeUndefined();
  });

  it("licence suspend and revoke (admin) ask first", async () => {
    const admin = await signedInAs("admin");
    const owner = await signedInAs("enterprise");
    const created = await admin.browser.json(
      "/api/enterprise/licenses/create",
      jsonBody({ organizationName: `Org ${owner.user.id.slice(-6)}`, ownerEmail: owner.user.email, tier: "enterprise", durationDays: 365 }),
    );
    expect(created.status).toBe(201);
    const id = created.body.license.id as string;
    const status = async () => (await db().select().from(licenses).where(eq(licenses.id, id)).get())!.status;

    const askSuspend = await admin.browser.submit("/admin/licenses", { intent: "change", licenseId: id, action: "suspend" });
    expect(askSuspend.status).toBe(200);
    expect(await askSuspend.text()).toContain(`Suspend license ${id}?`);
    expect(await status()).toBe("active");
    const askRevoke = await admin.browser.submit("/admin/licenses", { intent: "change", licenseId: id, action: "revoke" });
    expect(await askRevoke.text()).toContain(`Revoke license ${id}?`);
    expect(await status()).toBe("active");

    expect((await admin.browser.submit("/admin/licenses", { intent: "change", licenseId: id, action: "suspend", confirm: "yes" })).status).toBe(200);
    expect(await status()).toBe("suspended");
  });

  it("revoking all API keys (log out everywhere) asks first; without keys there is nothing to confirm", async () => {
    const { user, browser } = await signedInAs("student");
    await browser.json("/api/api-keys", jsonBody({ name: "ci" }));
    const ask = await browser.submit("/account", { intent: "logout-everywhere", revokeTokens: "on" });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("your API key stops working at once");
    expect(await db().select().from(apiTokens).where(and(eq(apiTokens.userId, user.id), isNull(apiTokens.revokedAt))).all()).toHaveLength(1);
    expect(await db().select().from(sessions).where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt))).all()).toHaveLength(1);

    const keyless = await signedInAs("student");
    expect((await keyless.browser.submit("/account", { intent: "logout-everywhere", revokeTokens: "on" })).status).toBe(302);
  });
});
