/**
 * Statuses as words with colour: one map per kind of record (status → label + tone). Use
 * <StatusBadge kind="payment" status={p.status} /> wherever a status is shown; statusLabel() for
 * plain text (e.g. success messages).
 */
export type Tone = "success" | "warning" | "danger" | "info" | "neutral";
type Entry = readonly [label: string, tone: Tone];

const STATUSES = {
  payment: {
    requires_action: ["Awaiting payment", "info"],
    processing: ["Processing", "info"],
    canceled: ["Canceled", "neutral"],
    failed: ["Failed", "danger"],
    succeeded: ["Paid", "success"],
    partially_refunded: ["Partially refunded", "warning"],
    refunded: ["Refunded", "warning"],
  },
  certificate: {
    valid: ["Valid", "success"],
    revoked: ["Revoked", "danger"],
  },
  refund: {
    pending: ["Refund pending", "info"],
    succeeded: ["Refunded", "success"],
    failed: ["Refund failed", "danger"],
  },
  refundRequest: {
    granted: ["Refund granted", "success"],
    refused: ["Not granted automatically", "warning"],
    in_review: ["Waiting for review", "info"],
    approved: ["Approved after review", "success"],
    declined: ["Declined after review", "neutral"],
    failed: ["Refund failed", "danger"],
  },
  subscription: {
    incomplete: ["Awaiting first payment", "info"],
    incomplete_expired: ["Not started", "neutral"],
    trialing: ["Trial", "info"],
    active: ["Active", "success"],
    past_due: ["Payment failed — retrying", "warning"],
    unpaid: ["Unpaid", "danger"],
    paused: ["Paused", "neutral"],
    canceled: ["Canceled", "neutral"],
  },
  invoice: {
    draft: ["Draft", "neutral"],
    open: ["Due", "warning"],
    paid: ["Paid", "success"],
    uncollectible: ["Uncollectible", "danger"],
    void: ["Void", "neutral"],
  },
  license: {
    active: ["Active", "success"],
    suspended: ["Suspended", "warning"],
    expired: ["Expired", "warning"],
    revoked: ["Revoked", "danger"],
  },
  payout: {
    pending: ["Scheduled", "info"],
    paid: ["Paid out", "success"],
    failed: ["Failed", "danger"],
  },
  earning: {
    pending: ["Pending", "info"],
    available: ["Available", "success"],
    paid: ["Paid out", "neutral"],
    reversed: ["Reversed", "warning"],
  },
  course: {
    draft: ["Draft", "neutral"],
    published: ["Published", "success"],
    unlisted: ["Unlisted", "info"],
    archived: ["Archived", "warning"],
  },
  enrollment: {
    active: ["Enrolled", "success"],
    revoked: ["Access removed", "danger"],
  },
  email: {
    queued: ["Queued", "info"],
    sending: ["Sending", "info"],
    retrying: ["Retrying", "warning"],
    sent: ["Sent", "success"],
    failed: ["Failed", "danger"],
    rejected: ["Rejected", "danger"],
  },
  webhook: {
    received: ["Received", "info"],
    processed: ["Processed", "success"],
    ignored: ["Ignored", "neutral"],
    failed: ["Failed — will retry", "warning"],
    dead: ["Gave up", "danger"],
  },
} as const satisfies Record<string, Record<string, Entry>>;

/** A free-text or enum-like value shown to people: "requested_by_customer" → "Requested by customer". */
export function humanize(value: string | null | undefined): string {
  if (!value) return "—";
  if (/\s/.test(value)) return value;
  const words = value.replace(/[_:-]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "—";
}

export type StatusKind = keyof typeof STATUSES;

function entry(kind: StatusKind, status: string): Entry {
  const known = (STATUSES[kind] as Record<string, Entry>)[status];
  if (known) return known;
  return [humanize(status), "neutral"];
}

/** The human label of a status ("past_due" → "Payment failed — retrying"). */
export const statusLabel = (kind: StatusKind, status: string) => entry(kind, status)[0];
export const statusTone = (kind: StatusKind, status: string) => entry(kind, status)[1];

export function StatusBadge({ kind, status, testId }: { kind: StatusKind; status: string; testId?: string }) {
  const [label, tone] = entry(kind, status);
  return (
    <span className={`badge tone-${tone}`} data-status={status} data-testid={testId}>
      {label}
    </span>
  );
}

const ROLE_LABELS: Record<string, string> = { student: "Learner", instructor: "Instructor", admin: "Admin", enterprise: "Enterprise customer" };
/** A user's role in words ("student" → "Learner"). */
export const roleLabel = (role: string) => ROLE_LABELS[role] ?? humanize(role);
