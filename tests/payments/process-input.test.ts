import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { processBodySchema, processInputSchema } from "~/modules/payments/process.server";
import { payments } from "~drizzle/schema";
import { paymentRegistry } from "~/capabilities.server";
import { db, jsonBody, signedInAs } from "../helpers";
import { insertCourse } from "./helpers";

/* Issue 11, finding 8: POST /api/payments/process takes exactly the fields of its purpose. */

const paymentsOf = (userId: string) => db().select().from(payments).where(eq(payments.userId, userId)).all();

describe("POST /api/payments/process input", () => {
  it.each([
    ["an amount", { amount: 1 }, "amount"],
    ["a price", { priceAmount: 0 }, "priceAmount"],
    ["metadata", { metadata: { courseId: "crs_other" } }, "metadata"],
    ["a user id", { userId: "usr_someone_else" }, "userId"],
    ["a mistyped field", { succesPath: "/x" }, "succesPath"],
  ])("rejects %s with 400 validation_failed and writes nothing", async (_label, extra, key) => {
    const { course } = await insertCourse({ priceAmount: 1500 });
    const learner = await signedInAs("student");
    const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, ...extra }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(JSON.stringify(res.body.error.details.fieldErrors)).toContain(key);
    expect(await paymentsOf(learner.user.id)).toEqual([]);
  });

  it("rejects another purpose's field", async () => {
    const { course } = await insertCourse({ priceAmount: 1500 });
    const learner = await signedInAs("student");
    const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "subscription", courseId: course.id }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(JSON.stringify(res.body.error.details.fieldErrors)).toContain("courseId");
  });

  it("still names a bad purpose, a bad known field and a missing payment method", async () => {
    const learner = await signedInAs("student");
    const purpose = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "gift_card", amount: 1 }));
    expect(purpose.status).toBe(400);
    expect(purpose.body.error.details.fieldErrors.purpose).toBeDefined();
    const { course } = await insertCourse({ priceAmount: 1500 });
    const tokens = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, tokens: "100" }));
    expect(tokens.status).toBe(400);
    expect(tokens.body.error.details.fieldErrors.tokens).toEqual(["Offer a whole number of tokens"]);
    const card = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method" }));
    expect(card.status).toBe(400);
    expect(card.body.error.details.fieldErrors.paymentMethod).toBeDefined();
    expect(await paymentsOf(learner.user.id)).toEqual([]);
  });

  it("accepts every documented field of a course purchase", async () => {
    const { course } = await insertCourse({ priceAmount: 1500 });
    const learner = await signedInAs("student");
    const res = await learner.browser.json(
      "/api/payments/process",
      jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "checkout", successPath: "/courses?bought=1", cancelPath: "/courses" }),
    );
    expect(res.status).toBe(201);
    expect(await paymentsOf(learner.user.id)).toHaveLength(1);
  });

  it("builds each purpose's schema from the registry: common fields, the purpose's, and the hooks'", () => {
    const course = processInputSchema(paymentRegistry, "course_purchase");
    expect(Object.keys(course.shape).sort()).toEqual(["cancelPath", "courseId", "flow", "paymentMethod", "promotionCode", "purpose", "successPath", "tokens"]);
    expect(Object.keys(processInputSchema(paymentRegistry, "subscription").shape).sort()).toEqual(["cancelPath", "flow", "paymentMethod", "promotionCode", "purpose", "successPath", "tokens"]);
    expect(processBodySchema(paymentRegistry).safeParse({ purpose: "course_purchase", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", extra: 1 }).success).toBe(false);
  });

  it("documents the strict body in the OpenAPI document", async () => {
    const doc = (await (await SELF.fetch("http://localhost/api/openapi.json")).json()) as any;
    const schema = doc.paths["/api/payments/process"].post.requestBody.content["application/json"].schema;
    const text = JSON.stringify(schema);
    expect(text).toContain('"additionalProperties":false');
    expect(text).toContain("courseId");
    expect(text).toContain("tokens");
  });
});
