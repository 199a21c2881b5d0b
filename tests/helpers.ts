import { env, SELF } from "cloudflare:test";
import { hashPassword } from "~/modules/auth/password.server";
import { createDb } from "~/utils/db.server";
import { createId } from "~/utils/ids";
import { eq } from "drizzle-orm";
import { emailOutbox, users, type Role } from "~drizzle/schema";

export const ORIGIN = "http://localhost";
export const PASSWORD = "correct-horse-1";

export const db = () => createDb(env.DB);

let counter = 0;
/** Inserts a user directly (fast path for tests that are not about sign-up). */
export async function insertUser(role: Role = "student", overrides: Partial<typeof users.$inferInsert> = {}) {
  const t = Date.now();
  const user = {
    id: createId("user"),
    email: `user${++counter}-${crypto.randomUUID().slice(0, 8)}@example.test`,
    name: "Test User",
    passwordHash: await hashPassword(PASSWORD, 1000),
    role,
    createdAt: t,
    updatedAt: t,
    ...overrides,
  };
  await db().insert(users).values(user).run();
  return user;
}

/** A cookie jar for one simulated browser. */
export class Browser {
  cookies = new Map<string, string>();
  ip = `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

  get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async fetch(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader);
    headers.set("CF-Connecting-IP", this.ip);
    const response = await SELF.fetch(`${ORIGIN}${path}`, { redirect: "manual", ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, ...rest] = pair!.split("=");
      const value = rest.join("=");
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "") this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    return response;
  }

  /**
   * The browser's CSRF token. A browser gets its cookie with the first page it loads; the token is a
   * random value the server only compares (double submit), so a browser that has loaded no page yet
   * makes one up instead of spending a page render (the real first visit: tests/edge/cache.test.ts;
   * a form without the cookie: tests/integration/page-errors.test.ts).
   */
  async csrf() {
    if (!this.cookies.has("__csrf")) this.cookies.set("__csrf", [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join(""));
    return this.cookies.get("__csrf")!;
  }

  /** Submits a form like a browser would, with the CSRF field. */
  async submit(path: string, fields: Record<string, string>) {
    const body = new URLSearchParams({ csrf: await this.csrf(), ...fields });
    return this.fetch(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  }

  async login(email: string, password = PASSWORD) {
    const response = await this.submit("/login", { email, password });
    if (response.status !== 302) throw new Error(`login failed with ${response.status}`);
    return response;
  }

  async json(path: string, init: RequestInit = {}) {
    const response = await this.fetch(path, init);
    return { status: response.status, body: (await response.json()) as any, response };
  }
}

export async function signedInAs(role: Role) {
  const user = await insertUser(role);
  const browser = new Browser();
  await browser.login(user.email);
  return { user, browser };
}

export function bearer(token: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return { ...init, headers };
}

export function jsonBody(body: unknown, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json");
  return { method: "POST", ...init, headers, body: JSON.stringify(body) };
}

/** Polls `fn` until it returns something truthy (background queue consumers, emails). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The emails delivered to an address (through the real queue consumer into the outbox), oldest first; waits for `count`. */
export async function mailFor(email: string, count = 1) {
  return waitFor(async () => {
    const rows = await db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, email)).all();
    return rows.length >= count ? rows.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)) : null;
  });
}
