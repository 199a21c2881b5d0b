import { describe, expect, it } from "vitest";
import { actionLabel, auditDetails, AUDIT_ACTION_OPTIONS, AUDIT_ACTIONS, describeAudit, KNOWN_AUDIT_ACTIONS, sentenceText, type AuditNames, type AuditRow } from "~/modules/audit/sentences";

const ADA = "usr_01aaaaaaaaaaaaaaaaaaaaaaaa";
const LENA = "usr_01bbbbbbbbbbbbbbbbbbbbbbbb";
const IAN = "usr_01cccccccccccccccccccccccc";
const PAY = "pay_01dddddddddddddddddddddddd";
const ORG = "org_01eeeeeeeeeeeeeeeeeeeeeeee";
const names: AuditNames = {
  users: { [ADA]: { name: "Ada Admin" }, [LENA]: { name: "Lena Learner" }, [IAN]: { name: "Ian Instructor" } },
  payments: { [PAY]: { userId: LENA, description: "Python for Data Science", amount: 4999, currency: "usd" } },
  organizations: { [ORG]: { name: "Acme Corp" } },
  courses: {},
};
const text = (row: Partial<AuditRow> & { action: string }) => sentenceText(describeAudit({ actorId: ADA, targetType: "payment", targetId: PAY, metadata: {}, ...row }, names));

describe("audit sentences", () => {
  it("reads the issue's example, with people as links and money formatted", () => {
    const parts = describeAudit({ action: "payment.refunded", actorId: ADA, targetType: "payment", targetId: PAY, metadata: { refundId: "ref_1", amount: 2000, currency: "usd", reason: "requested_by_customer" } }, names);
    expect(sentenceText(parts)).toBe("Ada Admin refunded $20.00 of Lena Learner's payment for Python for Data Science (the learner asked)");
    expect(parts.filter((p) => p.t === "user")).toEqual([
      { t: "user", id: ADA, name: "Ada Admin" },
      { t: "user", id: LENA, name: "Lena Learner" },
    ]);
    expect(parts).toContainEqual({ t: "money", amount: 2000, currency: "usd" });
  });

  it("says 'their' when the actor is the person named, and Coursemint for the system", () => {
    expect(text({ action: "payment.refunded", actorId: LENA, metadata: { amount: 500, currency: "eur" } })).toBe("Lena Learner refunded €5.00 of their payment for Python for Data Science");
    expect(text({ action: "dispute.won", actorId: null, metadata: { amount: 4999, currency: "usd", reason: "fraudulent" } })).toBe(
      "Coursemint won the dispute of $49.99 on Lena Learner's payment for Python for Data Science; the money was returned",
    );
  });

  it("formats money and dates for the viewer's locale and time zone", () => {
    const row: AuditRow = { action: "license.created", actorId: ADA, targetType: "license", targetId: "lic_1", metadata: { organizationId: ORG, tier: "enterprise", expiresAt: Date.UTC(2027, 0, 31, 12), maxSeats: 50 } };
    expect(sentenceText(describeAudit(row, names))).toBe("Ada Admin issued an Enterprise licence to Acme Corp, valid until Jan 31, 2027, 12:00 PM UTC, for 50 seats");
    expect(sentenceText(describeAudit(row, names), { locale: "de-DE", timeZone: "Europe/Berlin", timeZoneKnown: true })).toBe(
      "Ada Admin issued an Enterprise licence to Acme Corp, valid until 31.01.2027, 13:00, for 50 seats",
    );
    const paid: AuditRow = { action: "payout.paid", actorId: null, targetType: "payout", targetId: "po_1", metadata: { instructorId: IAN, amount: 123456, currency: "eur" } };
    expect(sentenceText(describeAudit(paid, names), { locale: "de-DE", timeZone: "UTC", timeZoneKnown: true })).toBe("Coursemint paid out 1.234,56\u00a0€ to Ian Instructor");
  });

  it.each([
    [{ action: "user.role_changed", targetType: "user", targetId: LENA, metadata: { from: "student", to: "instructor" } }, "Ada Admin made Lena Learner an instructor (was a learner)"],
    [{ action: "tokens.admin_adjusted", targetType: "user", targetId: LENA, metadata: { amount: -200, reason: "Duplicate award", balanceAfter: 1 } }, "Ada Admin took 200 tokens from Lena Learner: “Duplicate award” (balance now 1 token)"],
    [{ action: "tokens.award_approved", targetType: "user", targetId: LENA, metadata: { amount: 5000, requestedBy: IAN } }, "Ada Admin approved Ian Instructor's request to give 5,000 tokens to Lena Learner"],
    [{ action: "refund_request.refused", actorId: LENA, targetType: "refund_request", targetId: "rrq_1", metadata: { paymentId: PAY, amount: 4999, currency: "usd", refusal: "window" } }, "their refund request of $49.99 for Python for Data Science was not granted automatically: the refund window had ended"],
    [{ action: "refund_request.approved", targetType: "refund_request", targetId: "rrq_1", metadata: { paymentId: PAY, amount: 4999, currency: "usd", note: "Fair enough" } }, "Ada Admin approved Lena Learner's refund request of $49.99 for Python for Data Science: “Fair enough”"],
    [{ action: "organization.member_added", targetType: "organization", targetId: ORG, metadata: { userId: LENA, role: "member" } }, "Ada Admin added Lena Learner to Acme Corp as member"],
    [{ action: "subscription.canceled_immediately", targetType: "subscription", targetId: "sub_1", metadata: { userId: LENA, tier: "pro", interval: "month", reason: null } }, "Ada Admin canceled Lena Learner's Pro subscription immediately"],
    [{ action: "license.extended", targetType: "license", targetId: "lic_1", metadata: { organizationId: ORG, from: { expiresAt: 1 }, to: { expiresAt: Date.UTC(2028, 5, 1) } } }, "Ada Admin extended Acme Corp's licence to Jun 1, 2028, 12:00 AM UTC"],
    [{ action: "dispute.lost", actorId: null, metadata: { amount: 4999, currency: "usd", reason: "fraudulent", fee: 1500 } }, "Coursemint lost the dispute of $49.99 on Lena Learner's payment for Python for Data Science, with a fee of $15.00"],
  ] as const)("%# reads %s", (row, expected) => {
    expect(text(row as AuditRow)).toBe(expected);
  });

  it("names gone from the database read as such, never as raw ids of people", () => {
    const parts = describeAudit({ action: "user.role_changed", actorId: "usr_gone", targetType: "user", targetId: "usr_gone2", metadata: { from: "student", to: "admin" } });
    expect(sentenceText(parts)).toBe("a deleted user made a deleted user an admin (was a learner)");
    expect(sentenceText(describeAudit({ action: "payment.refunded", actorId: null, targetType: "payment", targetId: "pay_x", metadata: { amount: 1, currency: "usd" } }))).toBe("Coursemint refunded $0.01 of payment pay_x");
  });

  it("unknown actions and unexpected shapes still read, with their details formatted", () => {
    expect(text({ action: "course.featured", targetType: "course", targetId: "crs_1" })).toBe("Ada Admin: Course featured (course crs_1)");
    // payment.refunded without an amount: the known sentence cannot be made, so the generic one is.
    expect(text({ action: "payment.refunded", metadata: { note: "legacy row" } })).toBe("Ada Admin: Payment refunded (Lena Learner's payment for Python for Data Science)");
    const details = auditDetails({ expiresAt: Date.UTC(2026, 11, 7, 9, 30), amount: 2000, currency: "usd", count: 1200, enabled: true, couponId: "cpn_01hzzzzzzzzzzzzzzzz" });
    expect(details.map((d) => [d.label, sentenceText(d.value)])).toEqual([
      ["Expires at", "Dec 7, 2026, 9:30 AM UTC"],
      ["Amount", "$20.00"],
      ["Count", "1,200"],
      ["Enabled", "yes"],
      ["Coupon ID", "cpn_01hzzzzzzzzzzzzzzzz"],
    ]);
  });

  it("every known action has a label; the filter lists them all in words, sorted", () => {
    expect(AUDIT_ACTION_OPTIONS).toHaveLength(KNOWN_AUDIT_ACTIONS.length);
    for (const [action, label] of AUDIT_ACTION_OPTIONS) {
      expect(label).toBe(AUDIT_ACTIONS[action].label);
      expect(label).not.toMatch(/[._]/);
    }
    expect(AUDIT_ACTION_OPTIONS.map(([, l]) => l)).toEqual([...AUDIT_ACTION_OPTIONS.map(([, l]) => l)].sort((a, b) => a.localeCompare(b)));
    expect(actionLabel("user.role_changed")).toBe("Role changed");
    expect(actionLabel("thing.did_stuff")).toBe("Thing did stuff");
  });
});
