import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { enrollments, refunds } from "~drizzle/schema";
import { Browser, db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { waitForPayment } from "../payments/helpers";
import { syncWebhooks } from "../subscriptions/helpers";
import { insertCourse } from "./helpers";
import { subscribePro } from "./perks";

describe("a refunded course", () => {
  it("revokes its certificate: the verification says revoked, the PDF is refused, the page says why", async () => {
    const instructor = await insertUser("instructor", { name: "Ines Instructor" });
    const course = await insertCourse(instructor.id, { priceAmount: 2000, title: "Paid and refunded" });
    const learner = await signedInAs("student");
    await subscribePro(learner.browser);
    const bought = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    await syncWebhooks();
    const payment = await waitForPayment(bought.body.payment.paymentId, "succeeded");
    await waitFor(async () => (await db().select().from(enrollments).where(eq(enrollments.paymentId, payment.id)).get())?.status === "active");
    expect((await learner.browser.fetch(`/api/courses/${course.id}/modules/${course.moduleId}/complete`, { method: "POST" })).status).toBe(200);
    const [certificate] = (await learner.browser.json("/api/certificates")).body.certificates;
    expect(certificate).toMatchObject({ status: "valid", courseTitle: "Paid and refunded" });

    const admin = await signedInAs("admin");
    const refund = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "Customer asked" }));
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    await syncWebhooks();
    await waitFor(async () => (await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).get())?.reversedAt);

    const verified = await new Browser().json(`/api/certificates/${certificate.code}`);
    expect(verified.body.certificate).toMatchObject({ status: "revoked", learnerName: certificate.learnerName });
    expect(verified.body.certificate.revokedAt).toEqual(expect.any(Number));
    expect((await learner.browser.json(new URL(certificate.pdfUrl).pathname)).status).toBe(409);
    const page = (await (await learner.browser.fetch("/certificates")).text()).replace(/<!-- -->/g, "");
    expect(page).toContain("This certificate was revoked because your access to the course was withdrawn");
    expect(page).not.toContain(`href="/api/certificates/${certificate.code}/pdf"`);
  });
});
