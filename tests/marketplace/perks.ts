import { expect } from "vitest";
import { Browser, insertUser, jsonBody } from "../helpers";
import { insertCourse } from "./helpers";

/** Subscribes a signed-in browser to Pro with a test card (through the Stripe emulator). */
export async function subscribePro(browser: Browser) {
  const res = await browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month", flow: "payment_method", paymentMethod: "pm_card_visa" }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** A learner (Pro or Free) enrolled in a fresh free one-module course by "Ines Instructor". */
export async function enrolledLearner(opts: { pro: boolean; name?: string; courseTitle?: string }) {
  const instructor = await insertUser("instructor", { name: "Ines Instructor" });
  const course = await insertCourse(instructor.id, { priceAmount: 0, ...(opts.courseTitle ? { title: opts.courseTitle } : {}) });
  const user = await insertUser("student", opts.name ? { name: opts.name } : {});
  const browser = new Browser();
  await browser.login(user.email);
  if (opts.pro) await subscribePro(browser);
  const enrolled = await browser.json("/api/courses/purchase", jsonBody({ courseId: course.id }));
  expect(enrolled.status).toBe(201);
  return { user, browser, instructor, course };
}
export type EnrolledLearner = Awaited<ReturnType<typeof enrolledLearner>>;

/** Completes the course's only module (the enrollment gets completed_at). */
export async function complete(learner: EnrolledLearner) {
  const res = await learner.browser.fetch(`/api/courses/${learner.course.id}/modules/${learner.course.moduleId}/complete`, { method: "POST" });
  expect(res.status).toBe(200);
}

/** A page's HTML without the `<!-- -->` markers React puts between adjacent text parts. */
export const pageText = async (res: Response) => (await res.text()).replace(/<!-- -->/g, "");
