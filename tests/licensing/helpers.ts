import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { createAppContext } from "../../workers/app";
import { licenses } from "~drizzle/schema";
import { Browser, db, insertUser, jsonBody, ORIGIN, signedInAs } from "../helpers";

export const VALIDATE = "/api/enterprise/licenses/validate";

let admin: Awaited<ReturnType<typeof signedInAs>> | null = null;
/** One signed-in platform admin per test file. */
export async function platformAdmin() {
  admin ??= await signedInAs("admin");
  return admin;
}

export type Issued = { license: { id: string; organizationId: string; maxMachines: number; expiresAt: number; features: string[] }; key: string; owner: Awaited<ReturnType<typeof insertUser>>; ownerBrowser: Browser };

/** A license created through the admin API for a new organization whose owner is signed in. */
export async function issueLicense(body: Record<string, unknown> = {}): Promise<Issued> {
  const { browser } = await platformAdmin();
  const owner = await insertUser("enterprise");
  const res = await browser.json(
    "/api/enterprise/licenses/create",
    jsonBody({ organizationName: `Org ${owner.id.slice(-6)}`, ownerEmail: owner.email, tier: "enterprise", durationDays: 365, ...body }),
  );
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  const ownerBrowser = new Browser();
  await ownerBrowser.login(owner.email);
  return { ...res.body, owner, ownerBrowser };
}

/** Calls the validation endpoint like customers' software would (no cookies). */
export async function validate(key: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const query = new URLSearchParams({ key, ...params });
  const response = await SELF.fetch(`${ORIGIN}${VALIDATE}?${query}`, { headers: { "CF-Connecting-IP": "203.0.113.7", ...headers } });
  return { status: response.status, body: (await response.json()) as any, response };
}

/** A client address per test file run, so per-client limits of one test do not reach another. */
let clientCounter = 0;
export const newClientIp = () => `198.18.${Math.floor(++clientCounter / 250) % 250}.${clientCounter % 250}`;
const CLIENT = newClientIp();

async function post(path: string, body: unknown, ip = CLIENT) {
  const response = await SELF.fetch(`${ORIGIN}/api/enterprise/licenses/${path}`, jsonBody(body, { headers: { "CF-Connecting-IP": ip } }));
  return { status: response.status, body: (await response.json()) as any, response };
}

export const activate = (key: string, fingerprint: string, name?: string, ip?: string) => post("activate", { key, fingerprint, name }, ip);
export const deactivate = (machineToken: string, ip?: string) => post("deactivate", { machineToken }, ip);
export const heartbeat = (machineToken: string, ip?: string) => post("heartbeat", { machineToken }, ip);
export const checkIn = (key: string, ip?: string) => post("check-in", { key }, ip);

export async function adminChange(licenseId: string, body: Record<string, unknown>) {
  const { browser } = await platformAdmin();
  return browser.json(`/api/enterprise/licenses/${licenseId}`, jsonBody(body));
}

export const licenseRow = (id: string) => db().select().from(licenses).where(eq(licenses.id, id)).get();

/** An AppContext over the test env with overrides (e.g. low rate limits, a D1 that must not be used). */
export function appWith(overrides: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  const app = createAppContext({ ...env, ...overrides } as Env, ctx, "req_test");
  return { app, done: () => waitOnExecutionContext(ctx) };
}

