import { spawn } from "node:child_process";
import { expect, test } from "@playwright/test";

/**
 * `npm start` as a newcomer sees it: a few lines, then one summary once the app answers, with the
 * address to open (localhost, where the cookies and the Checkout return work), the demo accounts,
 * the mailbox and the emulator. Everything else goes to .wrangler/start.log. Runs its own app beside
 * the one the other journeys use, on fresh state, without building again (the suite built it).
 */
test("npm start prints a short summary and the app answers on the address it names", async ({ request }) => {
  test.setTimeout(180_000);
  const port = Number(process.env.E2E_PORT ?? 8788) + 20;
  const child = spawn("node", ["scripts/start.mjs", "--port", String(port), "--persist-to", ".wrangler/e2e-start-state", "--fresh", "--no-build"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (out += chunk));
  try {
    await expect.poll(() => out, { timeout: 170_000, intervals: [500] }).toContain("Ready:");
    await expect.poll(() => out, { timeout: 5_000 }).toContain("Stop: Ctrl+C");
    const lines = out.split("\n");
    const before = lines.slice(0, lines.findIndex((l) => l.includes("Ready:")));
    expect(before.filter((l) => l.trim()).length, out).toBeLessThanOrEqual(4);
    expect(out).toContain(`Ready: http://localhost:${port}`);
    expect(out).not.toMatch(/Ready on http:\/\/127\.0\.0\.1/);
    for (const email of ["admin@coursemint.test", "instructor@coursemint.test", "student@coursemint.test", "enterprise@coursemint.test"]) expect(out).toContain(email);
    expect(out).toContain(`http://localhost:${port}/dev/mailbox`);
    expect(out).toContain(`http://localhost:${port}/_stripe/`);
    expect(out).toContain("tail -f .wrangler/start.log");
    expect(out).not.toContain("empty chunk");
    const health = await request.get(`http://localhost:${port}/api/health`);
    expect(health.status()).toBe(200);
  } finally {
    process.kill(-child.pid!, "SIGTERM");
  }
});
