import * as z from "zod";
import { humanize, roleLabel, statusLabel } from "~/components/status";
import { formatDateTime, formatNumber, plural, type Viewer, DEFAULT_VIEWER } from "~/utils/format";
import { formatMoney, type Currency } from "~/utils/currency";

/**
 * The audit log in sentences (issue 28): "Ada Admin refunded $20.00 of Lena Learner's payment for
 * Python for Data Science". One entry per known action in AUDIT_ACTIONS: its label (the filter's
 * <select>), the zod shape of its metadata and the sentence it makes. A sentence is a list of parts
 * so that the page links people and formats money and dates for the viewer (app/components/
 * audit-sentence.tsx); sentenceText() is the same sentence as plain text (tests, CSV, logs).
 * An action not in the map, or whose metadata does not have its shape (rows written before a
 * field existed), still reads: "<actor>: <Action in words> (<target>)", then its details.
 */

export type SentencePart =
  | { t: "text"; text: string }
  | { t: "user"; id: string; name: string }
  | { t: "money"; amount: number; currency: string }
  | { t: "dateTime"; ms: number }
  | { t: "count"; value: number; one: string; many?: string }
  | { t: "code"; text: string };

/** What the page loaded for the entries shown (app/modules/audit/audit.server.ts, one batch). */
export type AuditNames = {
  users: Record<string, { name: string }>;
  payments: Record<string, { userId: string; description: string; amount: number; currency: string }>;
  organizations: Record<string, { name: string }>;
  courses: Record<string, { title: string }>;
};
export const NO_NAMES: AuditNames = { users: {}, payments: {}, organizations: {}, courses: {} };

export type AuditRow = { action: string; actorId: string | null; targetType: string; targetId: string; metadata: unknown };

type Piece = SentencePart | string | null | undefined | false | readonly Piece[];

/** A sentence from a template: strings become text, parts stay parts, arrays are spliced, empties vanish. */
function s(strings: TemplateStringsArray, ...values: Piece[]): SentencePart[] {
  const out: SentencePart[] = [];
  const push = (p: Piece): void => {
    if (p === null || p === undefined || p === false || p === "") return;
    if (Array.isArray(p)) return (p as readonly Piece[]).forEach(push);
    const part: SentencePart = typeof p === "string" ? { t: "text", text: p } : (p as SentencePart);
    const last = out[out.length - 1];
    if (part.t === "text" && last?.t === "text") last.text += part.text;
    else out.push(part.t === "text" ? { ...part } : part);
  };
  strings.forEach((str, i) => {
    push(str);
    if (i < values.length) push(values[i]);
  });
  return out;
}

const money = (amount: number, currency: string): SentencePart => ({ t: "money", amount, currency });
const when = (ms: number): SentencePart => ({ t: "dateTime", ms });
const count = (value: number, one: string, many?: string): SentencePart => ({ t: "count", value, one, many });
const code = (text: string): SentencePart => ({ t: "code", text });

/** The helpers a sentence is written with, bound to one entry and the names loaded for the page. */
class Says {
  constructor(
    readonly row: AuditRow,
    readonly names: AuditNames,
  ) {}
  /** A person by id: their name, linked; "a deleted user" when the row is gone. */
  user(id: string | null | undefined): SentencePart | string {
    if (!id) return "someone";
    const u = this.names.users[id];
    return u ? { t: "user", id, name: u.name } : "a deleted user";
  }
  /** The one who acted: a person, or Coursemint for the system (webhooks, cron). */
  actor(): SentencePart | string {
    return this.row.actorId ? this.user(this.row.actorId) : "Coursemint";
  }
  /** "Lena Learner's", or "their" when the person is the actor. */
  whose(id: string | null | undefined): Piece {
    if (id && id === this.row.actorId) return "their";
    const u = this.user(id);
    return typeof u === "string" ? `${u}'s` : [u, "'s"];
  }
  /** "Lena Learner's payment for Python for Data Science" (or "their payment …", or "payment pay_…"). */
  payment(id: string | null | undefined): Piece {
    const p = id ? this.names.payments[id] : undefined;
    if (!p) return ["payment ", code(id ?? "unknown")];
    return [this.whose(p.userId), ` payment for ${p.description}`];
  }
  organization(id: string | null | undefined): Piece {
    const o = id ? this.names.organizations[id] : undefined;
    return o ? o.name : ["organization ", code(id ?? "unknown")];
  }
  course(id: string | null | undefined, title?: string | null): Piece {
    const c = id ? this.names.courses[id] : undefined;
    return `“${c?.title ?? title ?? id ?? "a course"}”`;
  }
  /** The licence an entry is about: "Acme Corp's licence". */
  licence(organizationId: string | null | undefined): Piece {
    return organizationId ? [this.organization(organizationId), "'s licence"] : ["licence ", code(this.row.targetId)];
  }
}

const disputeReason = (reason: string) => humanize(reason).toLowerCase();
const REFUND_REASONS: Record<string, string> = {
  requested_by_customer: "the learner asked",
  duplicate: "a duplicate payment",
  fraudulent: "fraud",
  self_service: "within the refund policy",
};
const refundReason = (reason: string | undefined) => (reason ? ` (${REFUND_REASONS[reason] ?? humanize(reason).toLowerCase()})` : "");
const REFUSALS: Record<string, string> = {
  window: "the refund window had ended",
  certificate: "the learner had earned the certificate",
  progress: "too much of the course was completed",
  refund_limit: "the learner reached the refund limit",
};
const refusalWords = (refusal: string | null | undefined) => (refusal ? (REFUSALS[refusal] ?? humanize(refusal).toLowerCase()) : null);
const roleWords = (role: string) => {
  const label = roleLabel(role).toLowerCase();
  return `${/^[aeiou]/.test(label) ? "an" : "a"} ${label}`;
};
const tierName = (tier: string) => humanize(tier);
const reasonSuffix = (reason: string | null | undefined) => (reason ? `: “${reason}”` : "");

const str = z.string();
const optStr = z.string().nullish();
const amount = z.number().int();
const refundMeta = z.object({ refundId: optStr, amount, currency: str, reason: z.string().optional() });
const disputeMeta = z.object({ amount, currency: str, reason: str, fee: z.number().int().nullish() });
const refundRequestMeta = z.object({ paymentId: str, amount: z.number().int().nullish(), currency: optStr, refusal: optStr, note: optStr });
const licenceChange = z.object({ organizationId: optStr, from: z.record(z.string(), z.unknown()).optional(), to: z.record(z.string(), z.unknown()).optional(), reason: optStr });
const orgEmail = z.object({ email: str });
const licenceMachine = z.object({ organizationId: optStr, fingerprint: optStr, name: optStr });
const tokensMeta = z.object({ amount, reason: optStr, balanceAfter: z.number().int().nullish(), requestedBy: optStr });

type ActionDef<S extends z.ZodType> = { label: string; meta: S; say: (x: Says, m: z.infer<S>) => SentencePart[] };
const def = <S extends z.ZodType>(label: string, meta: S, say: (x: Says, m: z.infer<S>) => SentencePart[]): ActionDef<S> => ({ label, meta, say });
const none = z.object({});

/** The refund request an entry is about: "Lena Learner's refund request of $20.00 for <course>". */
function refundRequest(x: Says, m: z.infer<typeof refundRequestMeta>): Piece {
  const p = x.names.payments[m.paymentId];
  const sum = m.amount != null && m.currency ? [" of ", money(m.amount, m.currency)] : [];
  if (!p) return ["the refund request", sum, " for payment ", code(m.paymentId)];
  return [x.whose(p.userId), " refund request", sum, ` for ${p.description}`];
}

function licenceExpiry(m: z.infer<typeof licenceChange>): Piece {
  const to = m.to?.expiresAt;
  return typeof to === "number" ? [" to ", when(to)] : "";
}

export const AUDIT_ACTIONS = {
  "payment.refunded": def("Payment refunded", refundMeta, (x, m) => s`${x.actor()} refunded ${money(m.amount, m.currency)} of ${x.payment(x.row.targetId)}${refundReason(m.reason)}`),
  "payment.refund_failed": def("Refund failed", refundMeta, (x, m) => s`The refund of ${money(m.amount, m.currency)} on ${x.payment(x.row.targetId)} failed: Stripe never received it, so the money was not returned`),
  "dispute.opened": def("Dispute opened", disputeMeta, (x, m) => s`A dispute of ${money(m.amount, m.currency)} was opened on ${x.payment(x.row.targetId)} (${disputeReason(m.reason)}); the amount is held until the bank decides`),
  "dispute.won": def("Dispute won", disputeMeta, (x, m) => s`Coursemint won the dispute of ${money(m.amount, m.currency)} on ${x.payment(x.row.targetId)}; the money was returned`),
  "dispute.lost": def("Dispute lost", disputeMeta, (x, m) =>
    s`Coursemint lost the dispute of ${money(m.amount, m.currency)} on ${x.payment(x.row.targetId)}${m.fee ? [", with a fee of ", money(m.fee, m.currency)] : ""}`,
  ),
  "dispute.evidence_submitted": def("Dispute evidence submitted", z.object({ fields: z.array(z.string()).default([]) }), (x, m) =>
    s`${x.actor()} submitted evidence (${count(m.fields.length, "field")}) for the dispute on ${x.payment(x.row.targetId)}`,
  ),
  "refund_request.granted": def("Refund request granted", refundRequestMeta, (x, m) => s`${refundRequest(x, m)} was granted by the refund policy`),
  "refund_request.refused": def("Refund request refused", refundRequestMeta, (x, m) => s`${refundRequest(x, m)} was not granted automatically${refusalWords(m.refusal) ? `: ${refusalWords(m.refusal)}` : ""}`),
  "refund_request.review_requested": def("Refund review requested", refundRequestMeta, (x, m) => s`${x.actor()} asked an admin to review ${refundRequest(x, m)}${m.note ? `: “${m.note}”` : ""}`),
  "refund_request.in_review": def("Refund request in review", refundRequestMeta, (x, m) => s`${x.actor()} asked an admin to review ${refundRequest(x, m)}${m.note ? `: “${m.note}”` : ""}`),
  "refund_request.approved": def("Refund request approved", refundRequestMeta, (x, m) => s`${x.actor()} approved ${refundRequest(x, m)}${m.note ? `: “${m.note}”` : ""}`),
  "refund_request.declined": def("Refund request declined", refundRequestMeta, (x, m) => s`${x.actor()} declined ${refundRequest(x, m)}${m.note ? `: “${m.note}”` : ""}`),
  "refund_request.failed": def("Refund request failed", refundRequestMeta, (x, m) => s`The refund for ${refundRequest(x, m)} failed at Stripe`),
  "user.signed_up": def("Signed up", none, (x) => s`${x.user(x.row.targetId)} signed up and confirmed their email address`),
  "user.role_changed": def("Role changed", z.object({ from: str, to: str }), (x, m) => s`${x.actor()} made ${x.user(x.row.targetId)} ${roleWords(m.to)} (was ${roleWords(m.from)})`),
  "user.password_changed": def("Password changed", none, (x) => s`${x.user(x.row.targetId)} changed their password`),
  "user.password_reset": def("Password reset", none, (x) => s`${x.user(x.row.targetId)} reset their password with an emailed link`),
  "api_token.created": def("API key created", z.object({ name: str }), (x, m) => s`${x.actor()} created the API key “${m.name}”`),
  "api_token.revoked": def("API key revoked", z.object({ name: str }), (x, m) => s`${x.actor()} revoked the API key “${m.name}”`),
  "api_token.revoked_all": def("All API keys revoked", z.object({ count: z.number().int() }), (x, m) => s`${x.actor()} revoked all of ${x.whose(x.row.targetId)} API keys (${count(m.count, "key")})`),
  "course.archived": def("Course archived", z.object({ instructorId: optStr, title: optStr, reason: optStr }), (x, m) =>
    s`${x.actor()} archived the course ${x.course(x.row.targetId, m.title)}${m.instructorId && m.instructorId !== x.row.actorId ? [" by ", x.user(m.instructorId)] : ""}${reasonSuffix(m.reason)}`,
  ),
  "course.unarchived": def("Course restored", z.object({ instructorId: optStr, title: optStr, to: optStr }), (x, m) =>
    s`${x.actor()} restored the archived course ${x.course(x.row.targetId, m.title)}${m.to ? ` as ${statusLabel("course", m.to).toLowerCase()}` : ""}`,
  ),
  "course.unpublished": def("Course unpublished", z.object({ instructorId: optStr, title: optStr, to: optStr, reason: optStr }), (x, m) =>
    s`${x.actor()} took the course ${x.course(x.row.targetId, m.title)} off the catalog${m.to ? ` (now ${statusLabel("course", m.to).toLowerCase()})` : ""}${reasonSuffix(m.reason)}`,
  ),
  "coupon.created": def("Coupon created", z.object({ code: str, percentBps: z.number().nullish(), maxRedemptions: z.number().nullish(), expiresAt: z.number().nullish() }), (x, m) =>
    s`${x.actor()} created the coupon ${code(m.code)}${m.percentBps ? `, ${formatNumber(m.percentBps / 100)} % off` : ""}${m.maxRedemptions ? [", for ", count(m.maxRedemptions, "use")] : ""}${m.expiresAt ? [", until ", when(m.expiresAt)] : ""}`,
  ),
  "coupon.deactivated": def("Coupon deactivated", z.object({ code: str }), (x, m) => s`${x.actor()} deactivated the coupon ${code(m.code)}`),
  "payout.created": def("Payout started", z.object({ instructorId: str }), (x, m) => s`Coursemint started a payout to ${x.user(m.instructorId)}`),
  "payout.paid": def("Payout paid", z.object({ instructorId: str, amount, currency: str }), (x, m) => s`Coursemint paid out ${money(m.amount, m.currency)} to ${x.user(m.instructorId)}`),
  "payout.failed": def("Payout failed", z.object({ instructorId: str, attempt: z.number().int().nullish(), message: optStr }), (x, m) =>
    s`A payout to ${x.user(m.instructorId)} failed${m.attempt ? ` (attempt ${m.attempt})` : ""}${m.message ? `: ${m.message}` : ""}`,
  ),
  "email.resend": def("Email resent", z.object({ template: str, previousError: optStr }), (x, m) =>
    s`${x.actor()} resent the “${humanize(m.template).toLowerCase()}” email${m.previousError ? ` (it had failed: ${m.previousError})` : ""}`,
  ),
  "stripe_event.replayed": def("Stripe event replayed", z.object({ type: str }), (x, m) => s`${x.actor()} replayed the Stripe event ${code(m.type)} (${code(x.row.targetId)})`),
  "subscription.canceled_immediately": def("Subscription canceled", z.object({ userId: str, tier: str, reason: optStr }), (x, m) =>
    s`${x.actor()} canceled ${x.whose(m.userId)} ${tierName(m.tier)} subscription immediately${reasonSuffix(m.reason)}`,
  ),
  "subscription.canceled_after_dispute": def("Subscription ended by a dispute", z.object({ userId: str, tier: str }), (x, m) =>
    s`Coursemint canceled ${x.whose(m.userId)} ${tierName(m.tier)} subscription after a lost dispute`,
  ),
  "tokens.admin_adjusted": def("Tokens adjusted", tokensMeta, (x, m) =>
    s`${x.actor()} ${m.amount >= 0 ? "gave" : "took"} ${count(Math.abs(m.amount), "token")} ${m.amount >= 0 ? "to" : "from"} ${x.user(x.row.targetId)}${reasonSuffix(m.reason)}${m.requestedBy && m.requestedBy !== x.row.actorId ? [", as ", x.user(m.requestedBy), " asked"] : ""}${m.balanceAfter != null ? [" (balance now ", count(m.balanceAfter, "token"), ")"] : ""}`,
  ),
  "tokens.award_requested": def("Token award requested", tokensMeta, (x, m) =>
    s`${x.actor()} asked to give ${count(m.amount, "token")} to ${x.user(x.row.targetId)}${reasonSuffix(m.reason)}; a second admin must approve`,
  ),
  "tokens.award_approved": def("Token award approved", tokensMeta, (x, m) => s`${x.actor()} approved ${x.whose(m.requestedBy)} request to give ${count(m.amount, "token")} to ${x.user(x.row.targetId)}`),
  "tokens.award_rejected": def("Token award rejected", tokensMeta, (x, m) => s`${x.actor()} rejected ${x.whose(m.requestedBy)} request to give ${count(m.amount, "token")} to ${x.user(x.row.targetId)}`),
  "license.created": def("Licence issued", z.object({ organizationId: str, tier: str, expiresAt: z.number(), maxSeats: z.number().nullish(), source: optStr }), (x, m) =>
    s`${x.actor()} issued ${/^[aeiou]/i.test(m.tier) ? "an" : "a"} ${tierName(m.tier)} licence to ${x.organization(m.organizationId)}, valid until ${when(m.expiresAt)}${m.maxSeats ? [", for ", count(m.maxSeats, "seat")] : ""}${m.source === "subscription" ? " with its subscription" : ""}`,
  ),
  "license.extended": def("Licence extended", licenceChange, (x, m) => s`${x.actor()} extended ${x.licence(m.organizationId)}${licenceExpiry(m)}`),
  "license.suspended": def("Licence suspended", licenceChange, (x, m) => s`${x.actor()} suspended ${x.licence(m.organizationId)}${m.reason ? ` (${humanize(m.reason).toLowerCase()})` : ""}`),
  "license.reinstated": def("Licence reinstated", licenceChange, (x, m) => s`${x.actor()} reinstated ${x.licence(m.organizationId)}${licenceExpiry(m)}`),
  "license.revoked": def("Licence revoked", licenceChange, (x, m) => s`${x.actor()} revoked ${x.licence(m.organizationId)}${reasonSuffix(m.reason)}`),
  "license.expired": def("Licence expired", licenceChange, (x, m) => s`${x.licence(m.organizationId)} expired`),
  "license.ended_after_dispute": def("Licence ended by a dispute", licenceChange, (x, m) => s`Coursemint ended ${x.licence(m.organizationId)} after a lost dispute`),
  "license.subscription_synced": def("Licence synced", licenceChange, (x, m) => s`Coursemint updated ${x.licence(m.organizationId)} from its subscription${licenceExpiry(m)}`),
  "license.limits_changed": def("Licence limits changed", licenceChange, (x, m) =>
    s`${x.actor()} changed the limits of ${x.licence(m.organizationId)}${typeof m.to?.maxSeats === "number" ? [" to ", count(m.to.maxSeats, "seat")] : ""}${typeof m.to?.maxMachines === "number" ? [typeof m.to?.maxSeats === "number" ? " and " : " to ", count(m.to.maxMachines, "machine")] : ""}`,
  ),
  "license.policy_changed": def("Licence policy changed", licenceChange, (x, m) => s`${x.actor()} changed the validation policy of ${x.licence(m.organizationId)}`),
  "license.key_issued": def("Licence key issued", z.object({ organizationId: optStr, label: optStr }), (x, m) => s`${x.actor()} issued a new key${m.label ? ` “${m.label}”` : ""} for ${x.licence(m.organizationId)}`),
  "license.key_revoked": def("Licence key revoked", z.object({ organizationId: optStr, label: optStr, reason: optStr }), (x, m) => s`${x.actor()} revoked the key${m.label ? ` “${m.label}”` : ""} of ${x.licence(m.organizationId)}${reasonSuffix(m.reason)}`),
  "license.machine_activated": def("Machine activated", licenceMachine, (x, m) => s`A machine${m.name ? ` “${m.name}”` : ""} was activated on ${x.licence(m.organizationId)}`),
  "license.machine_deactivated": def("Machine deactivated", licenceMachine.extend({ reason: optStr }), (x, m) => s`${x.actor()} deactivated a machine${m.name ? ` “${m.name}”` : ""} on ${x.licence(m.organizationId)}`),
  "license.machine_dead": def("Machine stopped answering", licenceMachine, (x) => s`A machine on licence ${code(x.row.targetId)} stopped sending heartbeats and was released`),
  "license.machine_token_issued": def("Machine token issued", licenceMachine, (x, m) => s`A machine on ${x.licence(m.organizationId)} got a new machine token`),
  "license.checked_in": def("Licence checked in", licenceMachine, (x, m) => s`${x.licence(m.organizationId)} checked in`),
  "license.offline_file_issued": def("Offline licence file issued", z.object({ organizationId: optStr, validUntil: z.number(), machines: z.number().int() }), (x, m) =>
    s`${x.actor()} downloaded an offline licence file for ${x.licence(m.organizationId)}, valid until ${when(m.validUntil)} for ${count(m.machines, "machine")}`,
  ),
  "organization.created": def("Organization created", z.object({ name: str, ownerId: optStr }), (x, m) => s`${x.actor()} created the organization ${m.name}${m.ownerId ? [", owned by ", x.user(m.ownerId)] : ""}`),
  "organization.member_invited": def("Member invited", orgEmail.extend({ role: optStr }), (x, m) => s`${x.actor()} invited ${m.email} to ${x.organization(x.row.targetId)}${m.role ? ` as ${humanize(m.role).toLowerCase()}` : ""}`),
  "organization.invitation_resent": def("Invitation resent", orgEmail, (x, m) => s`${x.actor()} resent the invitation to ${x.organization(x.row.targetId)} for ${m.email}`),
  "organization.invitation_revoked": def("Invitation revoked", orgEmail, (x, m) => s`${x.actor()} revoked the invitation to ${x.organization(x.row.targetId)} for ${m.email}`),
  "organization.invitation_accepted": def("Invitation accepted", z.object({ role: optStr, alreadyMember: z.boolean().optional() }), (x, m) =>
    s`${x.actor()} accepted the invitation to ${x.organization(x.row.targetId)}${m.alreadyMember ? " (already a member)" : ""}`,
  ),
  "organization.member_added": def("Member added", z.object({ userId: str, role: optStr }), (x, m) => s`${x.actor()} added ${x.user(m.userId)} to ${x.organization(x.row.targetId)}${m.role ? ` as ${humanize(m.role).toLowerCase()}` : ""}`),
  "organization.member_removed": def("Member removed", z.object({ userId: str }), (x, m) => s`${x.actor()} removed ${x.user(m.userId)} from ${x.organization(x.row.targetId)}`),
  "organization.branding_updated": def("Branding updated", none, (x) => s`${x.actor()} updated the branding of ${x.organization(x.row.targetId)}`),
} as const satisfies Record<string, ActionDef<z.ZodType>>;

export type KnownAuditAction = keyof typeof AUDIT_ACTIONS;
export const KNOWN_AUDIT_ACTIONS = Object.keys(AUDIT_ACTIONS) as KnownAuditAction[];
export const isKnownAuditAction = (action: string): action is KnownAuditAction => Object.hasOwn(AUDIT_ACTIONS, action);

/** The action filter's options: known actions with their labels, sorted by label. */
export const AUDIT_ACTION_OPTIONS: readonly (readonly [KnownAuditAction, string])[] = KNOWN_AUDIT_ACTIONS.map((a) => [a, AUDIT_ACTIONS[a].label] as const).sort((a, b) => a[1].localeCompare(b[1]));

/** "user.role_changed" → "User role changed" for actions the map does not know. */
export function actionLabel(action: string): string {
  if (isKnownAuditAction(action)) return AUDIT_ACTIONS[action].label;
  return humanize(action.replace(/[.:]+/g, "_"));
}

/** The entry as a sentence. Never throws: an unknown action or shape reads as its label, actor and target. */
export function describeAudit(row: AuditRow, names: AuditNames = NO_NAMES): SentencePart[] {
  const x = new Says(row, names);
  if (isKnownAuditAction(row.action)) {
    const action = AUDIT_ACTIONS[row.action] as ActionDef<z.ZodType>;
    const meta = action.meta.safeParse(row.metadata ?? {});
    if (meta.success) return action.say(x, meta.data);
  }
  const target = row.targetType === "user" ? x.user(row.targetId) : row.targetType === "payment" ? x.payment(row.targetId) : [humanize(row.targetType).toLowerCase(), " ", code(row.targetId)];
  return s`${x.actor()}: ${actionLabel(row.action)} (${target})`;
}

/** Metadata keys that hold epoch milliseconds (shown as dates among an unknown entry's details). */
const TIME_KEY = /(At|Until|By|_at)$/;

/** An entry's details as "label: value" pairs, with dates and money formatted (for actions the map cannot read). */
export function auditDetails(metadata: unknown): { label: string; value: SentencePart[] }[] {
  if (!metadata || typeof metadata !== "object") return [];
  const m = metadata as Record<string, unknown>;
  const currency = typeof m.currency === "string" ? m.currency : null;
  return Object.entries(m)
    .filter(([k, v]) => k !== "currency" && v !== null && v !== undefined && v !== "")
    .map(([k, v]) => {
      const label = humanize(k.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()).replace(/\bid\b/gi, "ID");
      let value: SentencePart[];
      if (typeof v === "number" && TIME_KEY.test(k) && v > 1e11) value = [when(v)];
      else if (typeof v === "number" && currency && /amount|fee/i.test(k)) value = [money(v, currency)];
      else if (typeof v === "number") value = [{ t: "text", text: formatNumber(v) }];
      else if (typeof v === "boolean") value = [{ t: "text", text: v ? "yes" : "no" }];
      else if (typeof v === "string") value = /^[a-z]+_[0-9a-z]{10,}$/i.test(v) ? [code(v)] : [{ t: "text", text: v }];
      else value = [code(JSON.stringify(v))];
      return { label, value };
    });
}

/**
 * Where an entry names someone or something besides its actor and target: the metadata keys the
 * page resolves to names (audit.server.ts reads them with json_extract, in the batch of the page).
 */
export const NAMED_METADATA_KEYS = {
  users: ["userId", "instructorId", "requestedBy", "ownerId"],
  payments: ["paymentId"],
  organizations: ["organizationId"],
} as const;

/** A sentence as plain text, formatted for `viewer` with the app's formatters. */
export function sentenceText(parts: readonly SentencePart[], viewer: Viewer = DEFAULT_VIEWER): string {
  return parts
    .map((p) => {
      switch (p.t) {
        case "text":
        case "code":
          return p.text;
        case "user":
          return p.name;
        case "money":
          return formatMoney(p.amount, p.currency as Currency, viewer.locale);
        case "dateTime":
          return formatDateTime(p.ms, viewer);
        case "count":
          return plural(p.value, p.one, p.many, viewer.locale);
      }
    })
    .join("");
}
