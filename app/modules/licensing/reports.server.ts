import * as z from "zod";
import type { AppContext } from "~/context.server";
import { DAY, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { licenseKeysOf, listLicenses, listMachines, toPublicLicense, toPublicMachine } from "./licenses.server";
import { listMembers, resolveOrganization, seatUsage, type Actor } from "./organizations.server";
import { flushUsage, usageByDay, utcDay } from "./usage.server";

export const usageQuerySchema = z
  .object({
    organizationId: z.string().max(64).optional().transform((v) => v || undefined),
    from: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
    to: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
  })
  .transform((q) => {
    const to = q.to ?? utcDay(now());
    const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY);
    return { organizationId: q.organizationId, from, to };
  })
  .refine((q) => q.from <= q.to, { path: ["from"], message: "from must not be after to" })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * DAY, { path: ["from"], message: "At most 366 days at a time" });

/**
 * Usage of an organization over a date range (UTC days, inclusive): validations per day (every
 * day of the range, zeros included), active machines against the limit, seats used against the
 * limit. For the organization's owner and admins, and platform admins.
 */
export async function organizationUsage(app: AppContext, actor: Actor, input: unknown) {
  const q = parseOrThrow(usageQuerySchema, input);
  const { organization } = await resolveOrganization(app, actor, q.organizationId, "admin");
  await flushUsage(app); // this isolate's pending counts, so the report includes the latest calls
  const rows = await listLicenses(app, { organizationId: organization.id });
  const ids = rows.map((r) => r.license.id);
  const [daily, machines, seats] = await Promise.all([usageByDay(app, ids, q.from, q.to), listMachines(app, ids, { activeOnly: true }), seatUsage(app, organization.id)]);
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const days = [];
  for (let t = Date.parse(`${q.from}T00:00:00Z`); t <= Date.parse(`${q.to}T00:00:00Z`); t += DAY) {
    const day = utcDay(t);
    days.push(byDay.get(day) ?? { day, validations: 0, valid: 0, invalid: 0 });
  }
  const active = rows.filter((r) => r.license.status === "active");
  return {
    organization: { id: organization.id, name: organization.name },
    range: { from: q.from, to: q.to },
    validations: { total: days.reduce((s, d) => s + d.validations, 0), days },
    machines: { active: machines.length, limit: active.reduce((s, r) => s + r.license.maxMachines, 0) },
    seats,
    licenses: rows.map((r) => ({ id: r.license.id, status: r.license.status, tier: r.license.tier, expiresAt: r.license.expiresAt, machines: machines.filter((m) => m.licenseId === r.license.id).length, maxMachines: r.license.maxMachines })),
  };
}

/** Everything the enterprise dashboard shows for one organization. Keys only for its admins. */
export async function organizationDashboard(app: AppContext, actor: Actor, organizationId: string | undefined) {
  const access = await resolveOrganization(app, actor, organizationId).catch((error) => {
    if (error instanceof AppError && error.code === "not_found" && !organizationId) return null;
    throw error;
  });
  if (!access) return null;
  const isAdmin = access.role !== "member";
  const rows = await listLicenses(app, { organizationId: access.organization.id });
  const ids = rows.map((r) => r.license.id);
  const [machines, members, seats, keys] = await Promise.all([
    listMachines(app, ids),
    listMembers(app, access.organization.id),
    seatUsage(app, access.organization.id),
    isAdmin ? licenseKeysOf(app, rows.map((r) => r.license), { withKeys: true }) : null,
  ]);
  const licenses = rows.map((r) => ({
    ...toPublicLicense(r.license),
    keys: keys?.get(r.license.id) ?? [],
    machines: machines.filter((m) => m.licenseId === r.license.id).map((m) => toPublicMachine(m, r.license)),
  }));
  return { organization: access.organization, role: access.role, isAdmin, licenses, members, seats };
}
