import { createScheduledController, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { DAY, resetClock, setClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { auditLog, courseModules, disputes, enrollments, moduleProgress, refundRequests, refunds } from "~drizzle/schema";
import worker from "../../workers/app";
import { drainEmails } from "../email/helpers";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, insertCourse, outboxFor, waitForHandled } from "./helpers";

// /admin/disputes: the list in words with the deadline as a countdown, "Prepare evidence" filled
// from our records, the audited submission (Stripe's winning_evidence decides in test mode), and
// the cron's reminder three days before the deadline.

const ctx = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
afterEach(() => resetClock());

async function openDispute() {
  const { course } = await insertCourse({ title: `Disputed course ${crypto.randomUUID().slice(0, 8)}` });
  const t = Date.now();
  await db().insert(courseModules).values({ id: createId("module"), courseId: course.id, position: 1, title: "Joins explained", createdAt: t }).run();
  const learner = await signedInAs("student");
  const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_createDispute" }));
  expect(res.status).toBe(201);
  const paymentId = res.body.paymentId as string;
  await waitForHandled(await deliverWebhooks());
  const dispute = await waitFor(async () => {
    const row = await db().select().from(disputes).where(eq(disputes.paymentId, paymentId)).get();
    return row?.effects === "opened" && row.effectsClaimedUntil === null ? row : undefined;
  }, 15_000);
  return { course, learner, paymentId, dispute };
}

describe("self-service refunds beside a dispute", () => {
  it("a purchase with an open chargeback cannot be refunded by the learner: 409 in words, nothing written", async () => {
    const { learner, paymentId } = await openDispute();
    const asks = await Promise.all([0, 1].map(() => learner.browser.json("/api/payments/refund-requests", jsonBody({ paymentId }))));
    for (const res of asks) {
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain("disputed with your bank");
    }
    expect(await db().select().from(refundRequests).where(eq(refundRequests.paymentId, paymentId)).all()).toEqual([]);
    expect(await db().select().from(refunds).where(eq(refunds.paymentId, paymentId)).all()).toEqual([]);
  });
});

describe("/admin/disputes", () => {
  it("lists the dispute in words with its countdown, prepares evidence from our records and submits it (audited)", async () => {
    const { learner, paymentId, dispute, course } = await openDispute();
    const moduleRow = (await db().select().from(courseModules).where(eq(courseModules.courseId, course.id)).get())!;
    await db().insert(moduleProgress).values({ userId: learner.user.id, moduleId: moduleRow.id, courseId: course.id, completedAt: Date.now() }).run();
    const admin = await signedInAs("admin");

    const page = await (await admin.browser.fetch("/admin/disputes")).text();
    expect(page).toContain("Response needed");
    expect(page).toContain("Fraudulent (the cardholder says they did not make it)");
    expect(page).toMatch(/6 days 23 hours left|7 days 0 hours left/);
    expect(page).toContain("$49.99");
    expect(page).toContain("$15.00"); // Stripe's fee, a platform cost
    expect(page).toContain(`/admin/disputes?prepare=${dispute.id}`);

    const form = await (await admin.browser.fetch(`/admin/disputes?prepare=${dispute.id}`)).text();
    expect(form).toContain(learner.user.email);
    expect(form).toContain('Module 1 &quot;Joins explained&quot; completed');
    expect(form).toContain("refund policy");
    expect(form).toContain(`Receipt ${paymentId}`);

    const fields = { intent: "submit", disputeId: dispute.id, customer_email_address: learner.user.email, uncategorized_text: "winning_evidence" };
    // The first POST only asks to confirm; nothing is sent to Stripe.
    const ask = await admin.browser.submit(`/admin/disputes?prepare=${dispute.id}`, fields);
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("Submit this evidence for the $49.99 dispute?");
    expect((await db().select().from(disputes).where(eq(disputes.id, dispute.id)).get())!.submissionCount).toBe(0);

    const done = await admin.browser.submit(`/admin/disputes?prepare=${dispute.id}`, { ...fields, confirm: "yes" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("decided in our favour");
    const row = (await db().select().from(disputes).where(eq(disputes.id, dispute.id)).get())!;
    expect(row).toMatchObject({ status: "won", effects: "won", evidenceSubmittedBy: admin.user.id });
    expect((await db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get())!.status).toBe("active");
    expect(await db().select().from(auditLog).where(and(eq(auditLog.action, "dispute.evidence_submitted"), eq(auditLog.actorId, admin.user.id))).all()).toHaveLength(1);
    // The events Stripe sent about it change nothing more.
    await waitForHandled(await deliverWebhooks());
    expect((await db().select().from(disputes).where(eq(disputes.id, dispute.id)).get())!.effects).toBe("won");
    // Submitting again is refused: the dispute is closed.
    const again = await admin.browser.submit(`/admin/disputes`, { ...fields, confirm: "yes" });
    expect(await again.text()).toContain("This dispute is closed");
  });

  it("the cron reminds admins once when 3 days are left", async () => {
    const { dispute, course } = await openDispute();
    const admin = await signedInAs("admin");
    const at = dispute.evidenceDueBy! - 2 * DAY;
    setClock(() => at);
    for (let i = 0; i < 2; i++) await worker.scheduled!(createScheduledController({ cron: "*/15 * * * *", scheduledTime: at }), env, ctx);
    await drainEmails();
    const reminders = (await outboxFor(admin.user.email)).filter((m) => m.template === "dispute-evidence-due" && m.subject === `Dispute evidence due in 2 days: Course: ${course.title}`);
    expect(reminders).toHaveLength(1);
    expect((await db().select().from(disputes).where(eq(disputes.id, dispute.id)).get())!.reminderSentAt).toBe(at);
  });
});
