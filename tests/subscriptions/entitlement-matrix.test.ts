import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getEntitlement, tierDiscountBps, tierTokenMultiplierPct } from "~/modules/subscriptions/entitlements.server";
import { resetClock } from "~/utils/clock";
import { licenses, organizationMembers, organizations } from "~drizzle/schema";
import { db, insertUser, jsonBody } from "../helpers";
import { adminChange, appWith, issueLicense, licenseRow, type Issued } from "../licensing/helpers";
import { insertCourse } from "../marketplace/helpers";
import { enrolledLearner, pageText, type EnrolledLearner } from "../marketplace/perks";

// Issue 24: what each kind of learner is entitled to, asked of every gate. A row sets a learner up
// (own plan, a seat of a licence in some state), checks that state in the database, then every gate:
// the tier discount and the course page's price, the token multiplier, certificates, downloads and
// the billing page. Real time throughout: the Worker and this file each bundle their own clock, so
// a clock pinned here would not move the Worker's (and a licence started "after" a pinned clock is
// not in force yet for the reads made here).

type Seat = { issued: Issued; orgName: string };
type Setup = { learner: EnrolledLearner; seat: Seat | null };
type Row = {
  name: string;
  setup: () => Promise<Setup>;
  /** What the database holds after the setup. */
  membership: { member: boolean; licenseStatus?: "active" | "suspended"; licenseExpired?: boolean };
  tier: "free" | "pro" | "enterprise";
  source: "none" | "subscription" | "seat";
  /** Seat rows: the billing page names the organization. */
  throughOrg: boolean;
  /** The learner's own paid plan, as billing names it (null: none). */
  ownPlan: RegExp | null;
};

const LIST_PRICE = 10_000; // $100.00: Pro pays $80.00, Enterprise $70.00
let paidCourse: Awaited<ReturnType<typeof insertCourse>>;

const learnerOf = (opts: { pro: boolean }) => enrolledLearner({ pro: opts.pro, courseTitle: "Matrix course" });
const page = (orgId: string) => `/enterprise?organizationId=${orgId}`;

/** An Enterprise licence (5 seats) whose owner adds the learner as a member through the dashboard. */
async function seated(learner: EnrolledLearner): Promise<Seat> {
  const issued = await issueLicense({ tier: "enterprise", maxSeats: 5 });
  const res = await issued.ownerBrowser.submit(page(issued.license.organizationId), { intent: "add-member", email: learner.user.email, role: "member" });
  expect(res.status).toBe(200);
  expect(await pageText(res)).toContain(`${learner.user.name} is now a member.`);
  const org = (await db().select().from(organizations).where(eq(organizations.id, issued.license.organizationId)).get())!;
  return { issued, orgName: org.name };
}

const rows: Row[] = [
  {
    name: "no plan",
    setup: async () => ({ learner: await learnerOf({ pro: false }), seat: null }),
    membership: { member: false },
    tier: "free",
    source: "none",
    throughOrg: false,
    ownPlan: null,
  },
  {
    name: "own Pro",
    setup: async () => ({ learner: await learnerOf({ pro: true }), seat: null }),
    membership: { member: false },
    tier: "pro",
    source: "subscription",
    throughOrg: false,
    ownPlan: /^Pro/,
  },
  {
    name: "own Enterprise",
    setup: async () => {
      const learner = await learnerOf({ pro: false });
      const res = await learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "enterprise", interval: "month", flow: "payment_method", paymentMethod: "pm_card_visa" }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return { learner, seat: null };
    },
    membership: { member: false },
    tier: "enterprise",
    source: "subscription",
    throughOrg: false,
    ownPlan: /^Enterprise/,
  },
  {
    name: "seat of an active licence",
    setup: async () => {
      const learner = await learnerOf({ pro: false });
      return { learner, seat: await seated(learner) };
    },
    membership: { member: true, licenseStatus: "active", licenseExpired: false },
    tier: "enterprise",
    source: "seat",
    throughOrg: true,
    ownPlan: null,
  },
  {
    name: "seat of a suspended licence",
    setup: async () => {
      const learner = await learnerOf({ pro: false });
      const seat = await seated(learner);
      expect((await adminChange(seat.issued.license.id, { action: "suspend", reason: "unpaid invoice" })).status).toBe(200);
      return { learner, seat };
    },
    membership: { member: true, licenseStatus: "suspended", licenseExpired: false },
    tier: "free",
    source: "none",
    throughOrg: false,
    ownPlan: null,
  },
  {
    name: "seat of an expired licence (not yet marked by the cron)",
    setup: async () => {
      const learner = await learnerOf({ pro: false });
      const seat = await seated(learner);
      // Past its expiry but still "active": the cron has not run; the entitlement must not wait for it.
      await db().update(licenses).set({ expiresAt: Date.now() - 60_000 }).where(eq(licenses.id, seat.issued.license.id)).run();
      return { learner, seat };
    },
    membership: { member: true, licenseStatus: "active", licenseExpired: true },
    tier: "free",
    source: "none",
    throughOrg: false,
    ownPlan: null,
  },
  {
    name: "seat plus own Pro",
    setup: async () => {
      const learner = await learnerOf({ pro: true });
      return { learner, seat: await seated(learner) };
    },
    membership: { member: true, licenseStatus: "active", licenseExpired: false },
    tier: "enterprise",
    source: "seat",
    throughOrg: true,
    ownPlan: /^Pro/,
  },
  {
    name: "removed member",
    setup: async () => {
      const learner = await learnerOf({ pro: false });
      const seat = await seated(learner);
      const res = await seat.issued.ownerBrowser.submit(page(seat.issued.license.organizationId), { intent: "remove-member", userId: learner.user.id, confirm: "yes" });
      expect(res.status).toBe(200);
      expect(await pageText(res)).toContain("The member was removed; their seat is free.");
      return { learner, seat };
    },
    membership: { member: false, licenseStatus: "active", licenseExpired: false },
    tier: "free",
    source: "none",
    throughOrg: false,
    ownPlan: null,
  },
];

const DISCOUNT_BPS = { free: 0, pro: 2000, enterprise: 3000 } as const;
const MULTIPLIER_PCT = { free: 100, pro: 150, enterprise: 200 } as const;
const money = (minor: number) => `$${(minor / 100).toFixed(2)}`;

beforeAll(async () => {
  resetClock();
  const instructor = await insertUser("instructor", { name: "Ines Instructor" });
  paidCourse = await insertCourse(instructor.id, { priceAmount: LIST_PRICE, title: "Priced matrix course" });
});

describe("entitlement matrix: every gate asks one answer", () => {
  it.each(rows)("$name", async (row) => {
    const { learner, seat } = await row.setup();
    const userId = learner.user.id;

    // The state the row is about, in the database.
    if (seat) {
      const orgId = seat.issued.license.organizationId;
      const member = await db().select().from(organizationMembers).where(and(eq(organizationMembers.organizationId, orgId), eq(organizationMembers.userId, userId))).get();
      expect(Boolean(member), "membership row").toBe(row.membership.member);
      const license = (await licenseRow(seat.issued.license.id))!;
      expect(license.status).toBe(row.membership.licenseStatus);
      expect(license.expiresAt <= Date.now(), "licence past its expiry").toBe(row.membership.licenseExpired);
    } else {
      expect(await db().select().from(organizationMembers).where(and(eq(organizationMembers.userId, userId), eq(organizationMembers.role, "member"))).all()).toEqual([]);
    }

    const { app, done } = appWith();
    const entitlement = await getEntitlement(app, userId);
    expect({ tier: entitlement.tier, source: entitlement.source }).toEqual({ tier: row.tier, source: row.source });
    if (row.source === "seat") expect(entitlement.seat).toMatchObject({ organizationId: seat!.issued.license.organizationId, organizationName: seat!.orgName, licenseId: seat!.issued.license.id, tier: "enterprise" });

    // Prices: the tier discount, and what the course page asks.
    expect(await tierDiscountBps(app, userId)).toBe(DISCOUNT_BPS[row.tier]);
    const total = (LIST_PRICE * (10_000 - DISCOUNT_BPS[row.tier])) / 10_000;
    const coursePage = await pageText(await learner.browser.fetch(`/courses/${paidCourse.slug}`));
    expect(coursePage).toContain(total === LIST_PRICE ? `Buy for ${money(LIST_PRICE)}` : `Buy for ${money(total)} (was ${money(LIST_PRICE)})`);
    if (total === LIST_PRICE) expect(coursePage).not.toContain("(was ");

    // Reward tokens.
    expect(await tierTokenMultiplierPct(app, userId)).toBe(MULTIPLIER_PCT[row.tier]);
    await done();

    // Certificates and downloads (Pro and up).
    const perks = row.tier !== "free";
    const certificates = await learner.browser.json("/api/certificates");
    expect(certificates.status, "certificates").toBe(perks ? 200 : 403);
    if (!perks) expect(certificates.body.error.code).toBe("feature_locked");
    const download = await learner.browser.fetch(`/api/courses/${learner.course.id}/modules/${learner.course.moduleId}/file?download=1`);
    expect(download.status, "download").toBe(perks ? 200 : 403);
    const bytes = new Uint8Array(await download.arrayBuffer());
    if (perks) expect(download.headers.get("Content-Disposition")).toBe('attachment; filename="lesson.pdf"');
    else expect(new TextDecoder().decode(bytes)).toContain('"feature_locked"');

    // The billing page.
    const billing = await pageText(await learner.browser.fetch("/account/billing"));
    const plan = /data-testid="current-plan">([^<]*)</.exec(billing)?.[1];
    if (row.throughOrg) {
      expect(plan).toBe(`Enterprise, through ${seat!.orgName}`);
      expect(billing).toContain('data-testid="plan-manager"');
    } else {
      expect(plan).toMatch(row.ownPlan ?? /^Free$/);
      expect(billing).not.toContain(", through ");
    }
    const ownPlan = /data-testid="own-plan">([^<]*)</.exec(billing)?.[1];
    if (row.throughOrg && row.ownPlan) expect(ownPlan).toMatch(row.ownPlan);
    else expect(ownPlan).toBeUndefined();
    // Only a learner with no plan at all is offered to buy one.
    if (row.tier === "free") expect(billing).toContain("See plans and upgrade");
    else expect(billing).not.toContain("See plans and upgrade");

    // The pricing page: a seated member is told where their plan comes from, not offered to buy it.
    const pricing = await pageText(await learner.browser.fetch("/pricing"));
    if (row.throughOrg) {
      expect(pricing).toContain(`Your plan, through ${seat!.orgName}`);
      expect(pricing).toContain(`Included through ${seat!.orgName}`); // the Pro card
      expect(pricing).not.toContain("Upgrade to ");
      expect(pricing).not.toContain("Try it free for");
      if (row.ownPlan) expect(pricing).toContain('href="/account/billing">manage your own plan</a>');
    } else {
      expect(pricing).not.toContain(", through ");
      if (row.tier === "free") expect(pricing).toContain("Upgrade to Enterprise");
    }
  });
});
