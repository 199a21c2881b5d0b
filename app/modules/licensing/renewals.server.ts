import { and, eq, gt, lte } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { sendEmail } from "~/modules/email/email.server";
import { DAY, now } from "~/utils/clock";
import { licenseNotices, licenses, organizations } from "~drizzle/schema";
import { applyLicenseChange, cullDeadMachines } from "./licenses.server";
import { organizationAdmins } from "./organizations.server";
import { reconcileSubscriptionLicenses } from "./subscription-sync.server";

/** Days before expiry at which the renewal notice goes out, largest first. */
export const NOTICE_THRESHOLDS_DAYS = [30, 7, 1] as const;

/**
 * Cron (every 15 minutes): reconciles subscription licenses, expires licenses whose time is up,
 * deactivates machines that missed their heartbeats (activation culls its own license's too), then sends renewal notices. Each
 * (license, threshold, expiry) is claimed by inserting its license_notices row first, so a notice
 * goes out once however often the job runs; extending a license starts a fresh set of notices for
 * the new date. Licenses that a subscription renews automatically get no notices.
 */
export async function runLicenseRenewals(app: AppContext) {
  const reconciled = await reconcileSubscriptionLicenses(app);
  const expired = await expireLicenses(app);
  let culled = 0;
  for (let round = 0; round < 20; round++) {
    const batch = await cullDeadMachines(app); // at most 500 per statement
    culled += batch.length;
    if (batch.length < 500) break;
  }
  const notices = await sendRenewalNotices(app);
  return { reconciled, expired, culled, notices };
}

export async function expireLicenses(app: AppContext) {
  const due = await app.db.select().from(licenses).where(and(eq(licenses.status, "active"), lte(licenses.expiresAt, now()))).limit(500).all();
  for (const license of due) {
    await applyLicenseChange(app, license, { status: "expired" }, { actorId: null, action: "license.expired" }).catch((error) =>
      app.logger.warn("license.expire_skipped", { licenseId: license.id, error }),
    );
  }
  return due.length;
}

/** The threshold a license is in now: the smallest T with expiry within T days (30 → 7 → 1). */
export function thresholdFor(expiresAt: number, t: number): number | null {
  const left = expiresAt - t;
  if (left <= 0) return null;
  let found: number | null = null;
  for (const days of NOTICE_THRESHOLDS_DAYS) if (left <= days * DAY) found = days;
  return found;
}

export async function sendRenewalNotices(app: AppContext) {
  const t = now();
  const rows = await app.db
    .select({ license: licenses, organizationName: organizations.name })
    .from(licenses)
    .innerJoin(organizations, eq(organizations.id, licenses.organizationId))
    .where(and(eq(licenses.status, "active"), eq(licenses.autoRenews, false), gt(licenses.expiresAt, t), lte(licenses.expiresAt, t + NOTICE_THRESHOLDS_DAYS[0] * DAY)))
    .limit(500)
    .all();
  const admins = await organizationAdmins(app, [...new Set(rows.map((r) => r.license.organizationId))]);
  let sent = 0;
  for (const { license, organizationName } of rows) {
    const threshold = thresholdFor(license.expiresAt, t)!;
    const claimed = await app.db
      .insert(licenseNotices)
      .values({ licenseId: license.id, thresholdDays: threshold, expiresAt: license.expiresAt, sentAt: t })
      .onConflictDoNothing()
      .run();
    if (claimed.meta.changes === 0) continue;
    for (const admin of admins.filter((a) => a.organizationId === license.organizationId)) {
      await sendEmail(app, {
        template: "license-renewal-notice",
        to: admin.email,
        idempotencyKey: `license-renewal/${license.id}/${license.expiresAt}/${threshold}/${admin.email}`,
        data: {
          name: admin.name,
          organization: organizationName,
          seats: Math.max(1, license.maxSeats),
          expiresAt: license.expiresAt,
          renewUrl: `${app.config.APP_URL}/enterprise?organizationId=${license.organizationId}`,
        },
      });
      sent += 1;
    }
    app.logger.info("license.renewal_notice_sent", { licenseId: license.id, thresholdDays: threshold });
  }
  return sent;
}
