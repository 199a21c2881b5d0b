import { env, SELF } from "cloudflare:test";
import type { Role } from "~drizzle/schema";
import { eq } from "drizzle-orm";
import { enrollments } from "~drizzle/schema";
import { bearer, Browser, db, insertUser, jsonBody, waitFor } from "../helpers";
import { insertCourse, PDF, uploadForm } from "../marketplace/helpers";
import { deliverWebhooks, insertCourse as insertPaidCourse, signStripePayload, waitForPayment } from "../payments/helpers";

export interface ExampleDoc {
  name: string;
  summary: string;
  as: "anonymous" | "student" | "instructor" | "enterprise" | "admin" | "student_api_key";
  method?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  response?: unknown;
}
export interface Operation {
  operationId: string;
  tags?: string[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  "x-examples": ExampleDoc[];
}
export interface Doc {
  openapi: string;
  paths: Record<string, Partial<Record<"get" | "post" | "put" | "patch" | "delete", Operation>>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
  "x-error-codes": Array<{ code: string; status: number }>;
}

/** Who sends a request: a signed-in browser (session cookie), an API key, or nobody. */
export interface Caller {
  user: Awaited<ReturnType<typeof insertUser>> | null;
  browser: Browser;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export async function callerFor(as: ExampleDoc["as"]): Promise<Caller> {
  const browser = new Browser();
  if (as === "anonymous") return { user: null, browser, fetch: (p, i) => browser.fetch(p, i) };
  const role: Role = as === "student_api_key" ? "student" : as;
  const user = await insertUser(role);
  await browser.login(user.email);
  if (as !== "student_api_key") return { user, browser, fetch: (p, i) => browser.fetch(p, i) };
  const created = await browser.json("/api/api-keys", jsonBody({ name: "contract test" }));
  const program = new Browser(); // no cookies: only the key
  return { user, browser, fetch: (p, i = {}) => program.fetch(p, bearer(created.body.token, i)) };
}

export interface Fixture {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  form?: FormData;
  after?: () => Promise<void>;
}

type Setup = (caller: Caller, example: ExampleDoc) => Promise<Fixture>;

const me = (caller: Caller) => caller.user!;
/** A published course by a fresh instructor (or by `instructorId`), with one module whose file is in R2. */
const course = async (overrides: Parameters<typeof insertCourse>[1] = {}, instructorId?: string) =>
  insertCourse(instructorId ?? (await insertUser("instructor")).id, overrides);
const courseParams = (c: { id: string; moduleId: string }) => ({ courseId: c.id, moduleId: c.moduleId });
const withCourse = (example: ExampleDoc, courseId: string) => ({ ...(example.body as object), courseId });
async function enroll(caller: Caller, courseId: string) {
  const res = await caller.fetch("/api/courses/purchase", jsonBody({ courseId }));
  if (res.status !== 201) throw new Error(`enroll failed: ${res.status}`);
}
let adminBrowser: Browser | null = null;
/** One signed-in platform admin for the fixtures that need one. */
async function admin() {
  if (!adminBrowser) {
    adminBrowser = new Browser();
    await adminBrowser.login((await insertUser("admin")).email);
  }
  return adminBrowser;
}
async function award(userId: string, amount: number) {
  const res = await (await admin()).fetch("/api/tokens/award", jsonBody({ userId, amount, reason: "Contract test" }));
  if (res.status !== 201) throw new Error(`award failed: ${res.status} ${await res.text()}`);
}
/** An award above the approval threshold asked for by the fixtures' admin: pending until another admin decides. */
async function pendingAward() {
  const res = await (await admin()).fetch("/api/tokens/award", jsonBody({ userId: (await insertUser("student")).id, amount: 5000, reason: "Contract test" }));
  if (res.status !== 202) throw new Error(`award request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { pending: { id: string } }).pending.id;
}
/** Another learner with a handle of their own (their profile exists once they read it). */
async function learnerWithHandle() {
  const other = new Browser();
  await other.login((await insertUser("student")).email);
  const handle = `ada-${crypto.randomUUID().slice(0, 8)}`;
  const res = await other.fetch("/api/tokens/profile", jsonBody({ handle }, { method: "PATCH" }));
  if (res.status !== 200) throw new Error(`profile failed: ${res.status} ${await res.text()}`);
  return handle;
}
/** A license made through the admin API for a new organization owned by `ownerEmail` (a fresh enterprise user by default). */
async function license(ownerEmail?: string, policy?: Record<string, unknown>) {
  const email = ownerEmail ?? (await insertUser("enterprise")).email;
  const res = await (await admin()).fetch(
    "/api/enterprise/licenses/create",
    jsonBody({ organizationName: `Org ${crypto.randomUUID().slice(0, 6)}`, ownerEmail: email, tier: "enterprise", durationDays: 365, maxMachines: 5, ...(policy ? { policy } : {}) }),
  );
  if (res.status !== 201) throw new Error(`license failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { license: { id: string; organizationId: string }; key: string };
}
/** Activates a machine and returns its machine token. */
async function activateMachine(key: string, fingerprint: string): Promise<string> {
  const res = await SELF.fetch("http://localhost/api/enterprise/licenses/activate", jsonBody({ key, fingerprint }));
  if (res.status !== 201) throw new Error(`activate failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { machineToken: string }).machineToken;
}

async function subscribePro(caller: Caller) {
  const res = await caller.fetch("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month", flow: "payment_method", paymentMethod: "pm_card_visa" }));
  if (res.status !== 201) throw new Error(`subscribe failed: ${res.status} ${await res.text()}`);
}
/** A succeeded card payment for a course by a fresh student (Stripe's webhook delivered and handled). */
async function paidPayment() {
  const { course: paid } = await insertPaidCourse();
  const student = new Browser();
  await student.login((await insertUser("student")).email);
  const started = await student.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: paid.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
  if (started.status !== 201) throw new Error(`payment failed: ${started.status}`);
  await deliverWebhooks();
  await waitForPayment(started.body.paymentId, "succeeded");
  return started.body.paymentId as string;
}

/** A succeeded card payment for a course by the caller (a refund request must be theirs). */
async function paidByCaller(caller: Caller) {
  const { course: paid } = await insertPaidCourse();
  const started = await caller.fetch("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: paid.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
  if (started.status !== 201) throw new Error(`payment failed: ${started.status}`);
  const paymentId = ((await started.json()) as { paymentId: string }).paymentId;
  await deliverWebhooks();
  await waitForPayment(paymentId, "succeeded");
  await waitFor(async () => (await db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get())?.status === "active");
  return paymentId;
}

/**
 * The state a documented example needs (its own course, payment, key...), keyed by
 * `operationId:exampleName` or `operationId` for every example of the endpoint. Ids in the
 * documented request are replaced by those of the state made here; everything else is sent as written.
 */
const SETUPS: Record<string, Setup> = {
  // Account
  "deleteApiKeysKeyId:ok": async (caller) => {
    const created = await caller.browser.json("/api/api-keys", jsonBody({ name: "to revoke" }));
    return { params: { keyId: created.body.id } };
  },
  "putUsersUserIdRole:ok": async () => ({ params: { userId: (await insertUser("student")).id } }),

  // Payments
  "postPaymentsProcess:checkout": async (_, x) => ({ body: withCourse(x, (await insertPaidCourse()).course.id) }),
  "postPaymentsProcess:card": async (_, x) => ({ body: withCourse(x, (await insertPaidCourse()).course.id) }),
  "postPaymentsProcess:declined": async (_, x) => ({ body: withCourse(x, (await insertPaidCourse()).course.id) }),
  "postPaymentsRefund:partial": async (_, x) => ({ body: { ...(x.body as object), paymentId: await paidPayment() } }),
  "postPaymentsRefundRequests:granted": async (caller, x) => {
    const paymentId = await paidByCaller(caller);
    return { body: { ...(x.body as object), paymentId }, headers: { "Idempotency-Key": `refund-request-${paymentId}` } };
  },
  "postPaymentsRefundRequests:not_yours": async (_, x) => ({ body: { ...(x.body as object), paymentId: await paidPayment() } }),
  "getPaymentsPaymentId:ok": async (caller) => {
    const { course: paid } = await insertPaidCourse();
    const started = await caller.fetch("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: paid.id }));
    return { params: { paymentId: ((await started.json()) as { paymentId: string }).paymentId } };
  },
  "postWebhooksStripe:ok": async (_, x) => {
    const event = { ...(x.body as object), id: `evt_contract${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`, created: Math.floor(Date.now() / 1000) };
    const signature = await signStripePayload(JSON.stringify(event), env.STRIPE_WEBHOOK_SECRET, Math.floor(Date.now() / 1000));
    return { body: event, headers: { "Stripe-Signature": signature } };
  },

  // Marketplace
  "getCoursesCourseId:ok": async () => ({ params: { courseId: (await course()).id } }),
  "patchCoursesCourseId:ok": async (caller) => ({ params: { courseId: (await course({ priceAmount: 4999 }, me(caller).id)).id } }),
  "patchCoursesCourseId:invalid": async (caller) => ({ params: { courseId: (await course({}, me(caller).id)).id } }),
  "patchCoursesCourseId:not_owner": async () => ({ params: { courseId: (await course()).id } }),
  "deleteCoursesCourseIdModulesModuleId:ok": async (caller) => ({ params: courseParams(await course({ status: "draft", publishedAt: undefined }, me(caller).id)) }),
  "getCoursesCourseIdModulesModuleIdFile:ok": async (caller) => ({ params: courseParams(await course({}, me(caller).id)) }),
  "getCoursesCourseIdModulesModuleIdFile:not_enrolled": async () => ({ params: courseParams(await course()) }),
  "getCoursesCourseIdModulesModuleIdFile:locked": async (caller) => {
    const free = await course();
    await enroll(caller, free.id);
    return { params: courseParams(free) };
  },
  "postCoursesCourseIdModulesModuleIdComplete:ok": async (caller) => {
    const free = await course();
    await enroll(caller, free.id);
    return { params: courseParams(free) };
  },
  "postCoursesCourseIdModulesModuleIdComplete:not_enrolled": async () => ({ params: courseParams(await course()) }),
  "getCoursesCourseIdReviews:ok": async () => ({ params: { courseId: (await course()).id } }),
  "postCoursesCourseIdReviews:ok": async (caller) => {
    const free = await course();
    await enroll(caller, free.id);
    return { params: { courseId: free.id } };
  },
  "postCoursesCourseIdReviews:not_enrolled": async () => ({ params: { courseId: (await course()).id } }),
  "postCoursesPurchase:paid": async (_, x) => ({ body: withCourse(x, (await insertPaidCourse()).course.id) }),
  "postCoursesPurchase:free": async (_, x) => ({ body: withCourse(x, (await course()).id) }),
  "postCoursesPurchase:already_enrolled": async (caller, x) => {
    const free = await course();
    await enroll(caller, free.id);
    return { body: withCourse(x, free.id) };
  },
  "postCoursesUpload:ok": async (_, x) => ({ form: uploadForm(x.body as Record<string, string>, [{ name: "lesson-1.pdf", bytes: PDF, title: "SELECT and WHERE" }]) }),

  // Subscriptions
  "putSubscriptionsUpdate:preview": async (caller) => (await subscribePro(caller), {}),
  // The caller's one free trial is used already.
  "postSubscriptionsCreate:trial-used": async (caller) => {
    const res = await caller.fetch("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month", trial: true, flow: "no_card" }));
    if (res.status !== 201) throw new Error(`trial failed: ${res.status} ${await res.text()}`);
    return {};
  },
  "postSubscriptionsCancel:ok": async (caller) => (await subscribePro(caller), {}),
  "postSubscriptionsResume:ok": async (caller) => {
    await subscribePro(caller);
    const canceled = await caller.fetch("/api/subscriptions/cancel", jsonBody({}));
    if (canceled.status !== 200) throw new Error(`cancel failed: ${canceled.status}`);
    return {};
  },
  // Tokens and leaderboards
  "postTokensRedeem:freeze": async (caller) => (await award(me(caller).id, 500), {}),
  "postTokensAward:ok": async (_, x) => ({ body: { ...(x.body as object), userId: (await insertUser("student")).id } }),
  "postTokensAward:needs_approval": async (_, x) => ({ body: { ...(x.body as object), userId: (await insertUser("student")).id } }),
  "postTokensAward:self": async (caller, x) => ({ body: { ...(x.body as object), userId: me(caller).id } }),
  "postTokensAwardsRequestId:ok": async () => ({ params: { requestId: await pendingAward() } }),
  "postLeaderboardFollows:ok": async (_, x) => ({ body: { ...(x.body as object), handle: await learnerWithHandle() } }),
  "deleteLeaderboardFollowsHandle:ok": async () => ({ params: { handle: await learnerWithHandle() } }),

  // Licensing
  "getEnterpriseLicensesValidate:ok": async (_, x) => {
    const { key } = await license();
    await activateMachine(key, x.query!.fingerprint!);
    return { query: { key } };
  },
  "postEnterpriseLicensesValidate:ok": async (_, x) => {
    const { key } = await license();
    const fingerprint = (x.body as { fingerprint: string }).fingerprint;
    await activateMachine(key, fingerprint);
    return { body: { key, fingerprint } };
  },
  "postEnterpriseLicensesActivate:ok": async (_, x) => ({ body: { ...(x.body as object), key: (await license()).key } }),
  "postEnterpriseLicensesDeactivate:ok": async () => {
    const { key } = await license();
    return { body: { machineToken: await activateMachine(key, "build-server-01") } };
  },
  "postEnterpriseLicensesHeartbeat:ok": async () => {
    const { key } = await license(undefined, { heartbeatIntervalSeconds: 600 });
    return { body: { machineToken: await activateMachine(key, "build-server-01") } };
  },
  "postEnterpriseLicensesHeartbeat:dead": async () => {
    const { key, license: created } = await license(undefined, { heartbeatIntervalSeconds: 600, heartbeatGraceSeconds: 60 });
    const machineToken = await activateMachine(key, "build-server-01");
    // Silent for longer than interval + grace.
    await env.DB.prepare("update license_machines set last_heartbeat_at = ? where license_id = ?").bind(Date.now() - 3_600_000, created.id).run();
    return { body: { machineToken } };
  },
  "postEnterpriseLicensesCheckIn:ok": async () => ({ body: { key: (await license(undefined, { checkInIntervalDays: 30 })).key } }),
  "getEnterpriseLicensesLicenseIdKeys:ok": async (caller) => ({ params: { licenseId: (await license(me(caller).email)).license.id } }),
  "postEnterpriseLicensesLicenseIdKeys:ok": async (caller) => ({ params: { licenseId: (await license(me(caller).email)).license.id } }),
  "postEnterpriseLicensesLicenseIdKeysKeyIdRevoke:ok": async (caller) => {
    const licenseId = (await license(me(caller).email)).license.id;
    const listed = (await (await caller.fetch(`/api/enterprise/licenses/${licenseId}/keys`)).json()) as { keys: { id: string }[] };
    return { params: { licenseId, keyId: listed.keys[0]!.id } };
  },
  "postEnterpriseLicensesCreate:ok": async (_, x) => ({ body: { ...(x.body as object), ownerEmail: (await insertUser("enterprise")).email, expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10) } }),
  "getEnterpriseLicensesLicenseId:ok": async (caller) => ({ params: { licenseId: (await license(me(caller).email)).license.id } }),
  "postEnterpriseLicensesLicenseId:ok": async () => ({ params: { licenseId: (await license()).license.id } }),
  "getEnterpriseLicensesLicenseIdOfflineFile:ok": async (caller) => ({ params: { licenseId: (await license(me(caller).email)).license.id } }),
  "getEnterpriseUsage:ok": async (caller) => (await license(me(caller).email), {}),
  "postEnterpriseBranding:ok": async (caller, x) => ({ body: { ...(x.body as object), organizationId: (await license(me(caller).email)).license.organizationId } }),

  "getCertificates:ok": async (caller) => (await certificateOf(caller), {}),
  "getCertificatesCode:ok": async () => ({ params: { code: await certificateOf(await callerFor("student")) } }),
  "getCertificatesCodePdf:ok": async (caller) => ({ params: { code: await certificateOf(caller) } }),
  "getCertificatesCodePdf:unknown": async (caller) => (await subscribePro(caller), {}),
};

/** Subscribes the caller to Pro, completes a one-module course and returns the certificate's code. */
async function certificateOf(caller: Caller): Promise<string> {
  await subscribePro(caller);
  const done = await course();
  await enroll(caller, done.id);
  const completed = await caller.fetch(`/api/courses/${done.id}/modules/${done.moduleId}/complete`, { method: "POST" });
  if (completed.status !== 200) throw new Error(`complete failed: ${completed.status}`);
  const listed = (await (await caller.fetch("/api/certificates")).json()) as { certificates: { code: string }[] };
  if (!listed.certificates[0]) throw new Error("no certificate issued");
  return listed.certificates[0].code;
}

export async function fixtureFor(operationId: string, example: ExampleDoc, caller: Caller): Promise<Fixture> {
  const setup = SETUPS[`${operationId}:${example.name}`] ?? SETUPS[operationId];
  return setup ? setup(caller, example) : {};
}

/** Every fixture key must name a documented example (so a renamed example cannot silently lose its state). */
export const fixtureKeys = () => Object.keys(SETUPS);
