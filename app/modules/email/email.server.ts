import { and, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { isLocalDevRequest } from "~/utils/dev-surfaces.server";
import { createId, cursorSchema } from "~/utils/ids";
import { EMAIL_STATUSES, emailOutbox, emails, users, type EmailStatus } from "~drizzle/schema";
import type { EmailBrand } from "./layout";
import { getEmailProvider, ProviderError, type EmailProvider } from "./providers.server";
import {
  checkTemplateData,
  isTemplateName,
  renderEmail,
  withoutSecrets,
  type EmailTemplateInput,
  type EmailTemplateName,
} from "./templates";

export const EMAIL_QUEUE = "coursemint-emails";
export const EMAIL_DEAD_LETTER_QUEUE = "coursemint-emails-dlq";

/** How long a consumer owns an email while calling the provider. */
const SEND_LEASE_MS = 60_000;
const MAX_RETRY_DELAY_SECONDS = 3600;

/** Printable ASCII without spaces, e.g. `payment-receipt/pay_01h...`. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "Use printable ASCII without spaces");

/** The queue message. Versioned so a future shape can be told apart from this one. */
export const emailMessageSchema = z.object({
  v: z.literal(1),
  template: z.string().min(1).max(64),
  to: z.email().max(254),
  data: z.record(z.string(), z.unknown()),
  idempotencyKey: idempotencyKeySchema,
  requestId: z.string().max(64).optional(),
  enqueuedAt: z.number().int(),
});
export type EmailMessage = z.infer<typeof emailMessageSchema>;

export type SendEmailInput<T extends EmailTemplateName> = {
  template: T;
  to: string;
  data: EmailTemplateInput<T>;
  /** Same key → at most one email, however often this is called or the queue redelivers. */
  idempotencyKey: string;
  delaySeconds?: number;
};

/**
 * The producer every service calls. Checks the message (throws a 400 AppError naming the bad
 * fields, so programming mistakes surface at the caller) and puts it on the EMAILS queue.
 *
 *   await sendEmail(app, {
 *     template: "payment-receipt",
 *     to: user.email,
 *     idempotencyKey: `payment-receipt/${payment.id}`,
 *     data: { name: user.name, item: "Pro plan", amount: 1999, currency: "usd", paidAt: payment.createdAt,
 *             paymentId: payment.id, receiptUrl: `${app.config.APP_URL}/account/payments/${payment.id}` },
 *   });
 */
export async function sendEmail<T extends EmailTemplateName>(
  app: Pick<AppContext, "env" | "logger" | "requestId">,
  input: SendEmailInput<T>,
): Promise<EmailMessage> {
  const message = buildEmailMessage(input, app.requestId);
  await app.env.EMAILS.send(message, { contentType: "json", delaySeconds: input.delaySeconds });
  app.logger.info("email.enqueued", { template: message.template, idempotencyKey: message.idempotencyKey });
  return message;
}

/**
 * Tells a user something by email: loads their address and name, then `sendEmail`. Does nothing
 * when the user no longer exists. `data` receives the loaded user.
 */
export async function notifyUser<T extends EmailTemplateName>(
  app: Pick<AppContext, "env" | "logger" | "requestId" | "db">,
  userId: string,
  input: { template: T; idempotencyKey: string; data: (user: { name: string; email: string }) => EmailTemplateInput<T> },
): Promise<EmailMessage | null> {
  const user = await app.db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId)).get();
  if (!user) return null;
  return sendEmail(app, { template: input.template, to: user.email, idempotencyKey: input.idempotencyKey, data: input.data(user) });
}

/** Validates producer input and returns the queue message (exported for `sendBatch` callers and tests). */
export function buildEmailMessage<T extends EmailTemplateName>(input: SendEmailInput<T>, requestId?: string): EmailMessage {
  if (!isTemplateName(input.template)) throw AppError.validation({ template: [`Unknown email template "${String(input.template)}"`] });
  const envelope = emailMessageSchema.safeParse({
    v: 1,
    template: input.template,
    to: typeof input.to === "string" ? input.to.trim() : input.to,
    data: input.data,
    idempotencyKey: input.idempotencyKey,
    requestId,
    enqueuedAt: now(),
  });
  if (!envelope.success) throw AppError.validation(issuesToFields(envelope.error.issues), "Invalid email message.");
  const check = checkTemplateData(input.template, input.data);
  if (!check.ok) {
    throw AppError.validation(
      Object.fromEntries(Object.entries(check.fields).map(([k, v]) => [`data.${k}`, v])),
      "Invalid email data.",
    );
  }
  return envelope.data;
}

export type MessageMeta = { messageId: string; attempts: number };

/** What the queue consumer should do with one message. */
export type DeliveryOutcome =
  | { action: "ack"; result: "sent" | "duplicate" | "rejected" | "failed"; emailId?: string }
  | { action: "retry"; delaySeconds: number; reason: string; emailId?: string };

/**
 * Consumes one EMAILS message: validate → record (one row per idempotency key) → claim →
 * render → deliver. Never throws: every path ends in ack or retry, so one message cannot
 * fail the batch. Sending twice is prevented three ways: the row's status (`sent` is final),
 * a lease while `sending`, and the provider's own idempotency (outbox unique index, Resend's
 * Idempotency-Key) for a crash between the provider call and the status update.
 */
export async function deliverEmailMessage(
  app: AppContext,
  body: unknown,
  meta: MessageMeta,
  provider: EmailProvider = getEmailProvider(app),
  /** The recipient's white-label branding, if any (wired by the Worker entry; email imports no capability). */
  brandFor?: (to: string) => Promise<EmailBrand | null>,
): Promise<DeliveryOutcome> {
  const parsed = parseMessage(body);
  if (!parsed.ok) return reject(app, body, meta, parsed.reason);
  const message = parsed.message;
  const log = app.logger.child({ idempotencyKey: message.idempotencyKey, template: message.template, messageId: meta.messageId });
  try {
    const brand = brandFor ? await brandFor(message.to) : null;
    const rendered = renderEmail(message.template, parsed.data, app.config.APP_URL, brand);
    const t = now();
    await app.db
      .insert(emails)
      .values({
        id: createId("email"),
        idempotencyKey: message.idempotencyKey,
        template: message.template,
        toAddress: message.to,
        data: parsed.data,
        subject: rendered.subject,
        status: "queued",
        requestId: message.requestId ?? null,
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing({ target: emails.idempotencyKey })
      .run();

    const claimed = await app.db
      .update(emails)
      .set({ status: "sending", lockedUntil: t + SEND_LEASE_MS, updatedAt: t })
      .where(
        and(
          eq(emails.idempotencyKey, message.idempotencyKey),
          or(
            inArray(emails.status, ["queued", "retrying"]),
            and(eq(emails.status, "sending"), lt(emails.lockedUntil, t)),
          ),
        ),
      )
      .returning()
      .get();

    if (!claimed) {
      const row = await app.db.select().from(emails).where(eq(emails.idempotencyKey, message.idempotencyKey)).get();
      if (!row) return retry(log, meta, app, "email row vanished");
      if (row.status === "sending") {
        // Someone else is delivering it right now; look again when their lease has run out.
        const wait = Math.max(1, Math.ceil(((row.lockedUntil ?? t) - t) / 1000));
        log.info("email.in_progress", { emailId: row.id, retryInSeconds: wait });
        return { action: "retry", delaySeconds: wait, reason: "in progress elsewhere", emailId: row.id };
      }
      log.info("email.duplicate", { emailId: row.id, status: row.status });
      return { action: "ack", result: row.status === "sent" ? "duplicate" : (row.status as "failed" | "rejected"), emailId: row.id };
    }
    if (claimed.template !== message.template || claimed.toAddress !== message.to) {
      log.warn("email.idempotency_key_reused", { emailId: claimed.id, note: "delivering the first message's content" });
    }
    const content =
      claimed.template === message.template && claimed.data
        ? rendered
        : renderEmail(claimed.template as EmailTemplateName, claimed.data, app.config.APP_URL, brand);

    try {
      const result = await provider.send({
        emailId: claimed.id,
        idempotencyKey: claimed.idempotencyKey,
        template: claimed.template!,
        from: app.config.EMAIL_FROM,
        to: claimed.toAddress!,
        ...content,
      });
      const sentAt = now();
      await app.db
        .update(emails)
        .set({
          status: "sent",
          data: withoutSecrets(claimed.template, claimed.data),
          attempts: claimed.attempts + 1,
          provider: provider.name,
          providerMessageId: result.providerMessageId,
          lastError: null,
          lockedUntil: null,
          sentAt,
          updatedAt: sentAt,
        })
        .where(eq(emails.id, claimed.id))
        .run();
      log.info("email.sent", { emailId: claimed.id, provider: provider.name, attempts: claimed.attempts + 1 });
      return { action: "ack", result: "sent", emailId: claimed.id };
    } catch (error) {
      const retryable = !(error instanceof ProviderError) || error.retryable;
      const reason = error instanceof ProviderError ? error.message : `unexpected: ${errorName(error)}`;
      await app.db
        .update(emails)
        .set({
          status: retryable ? "retrying" : "failed",
          attempts: claimed.attempts + 1,
          provider: provider.name,
          lastError: reason.slice(0, 500),
          lockedUntil: null,
          updatedAt: now(),
        })
        .where(eq(emails.id, claimed.id))
        .run();
      if (!retryable) {
        log.error("email.failed", { emailId: claimed.id, provider: provider.name, reason });
        return { action: "ack", result: "failed", emailId: claimed.id };
      }
      const delaySeconds = backoffSeconds(app, meta.attempts);
      log.warn("email.retrying", { emailId: claimed.id, provider: provider.name, reason, attempt: meta.attempts, delaySeconds });
      return { action: "retry", delaySeconds, reason, emailId: claimed.id };
    }
  } catch (error) {
    // D1 or rendering trouble: let the queue try again; the dead-letter queue catches the rest.
    return retry(log, meta, app, `unexpected: ${errorName(error)}`, error);
  }
}

/**
 * Consumes one message from the dead-letter queue: the queue gave up retrying it, so the email
 * is recorded as failed (admins see it and may resend). Emails already sent stay sent.
 */
export async function recordDeadLetter(app: AppContext, body: unknown, meta: MessageMeta): Promise<DeliveryOutcome> {
  const parsed = parseMessage(body);
  if (!parsed.ok) return reject(app, body, meta, parsed.reason);
  const key = parsed.message.idempotencyKey;
  const t = now();
  const row = await app.db.select().from(emails).where(eq(emails.idempotencyKey, key)).get();
  if (!row) {
    const id = createId("email");
    await app.db
      .insert(emails)
      .values({
        id,
        idempotencyKey: key,
        template: parsed.message.template,
        toAddress: parsed.message.to,
        data: parsed.data,
        status: "failed",
        lastError: "dead-lettered before any delivery attempt was recorded",
        requestId: parsed.message.requestId ?? null,
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing({ target: emails.idempotencyKey })
      .run();
    app.logger.error("email.dead_lettered", { emailId: id, idempotencyKey: key, messageId: meta.messageId });
    return { action: "ack", result: "failed", emailId: id };
  }
  if (row.status === "sent" || row.status === "rejected" || row.status === "failed") {
    return { action: "ack", result: row.status === "sent" ? "duplicate" : row.status, emailId: row.id };
  }
  if (row.status === "sending" && (row.lockedUntil ?? 0) > t) {
    app.logger.warn("email.dead_lettered_while_sending", { emailId: row.id, idempotencyKey: key });
    return { action: "ack", result: "duplicate", emailId: row.id };
  }
  const lastError = `Gave up after ${row.attempts} delivery attempt${row.attempts === 1 ? "" : "s"}${row.lastError ? `: ${row.lastError}` : ""}`;
  await app.db
    .update(emails)
    .set({ status: "failed", lastError: lastError.slice(0, 500), lockedUntil: null, updatedAt: t })
    .where(and(eq(emails.id, row.id), inArray(emails.status, ["queued", "retrying", "sending"])))
    .run();
  app.logger.error("email.dead_lettered", { emailId: row.id, idempotencyKey: key, attempts: row.attempts, reason: row.lastError });
  return { action: "ack", result: "failed", emailId: row.id };
}

/** Exponential backoff for transient failures: base, 2×base, 4×base … capped at one hour. */
export function backoffSeconds(app: Pick<AppContext, "config">, attempt: number): number {
  const base = app.config.EMAIL_RETRY_BASE_SECONDS;
  return Math.min(MAX_RETRY_DELAY_SECONDS, base * 2 ** Math.max(0, Math.min(attempt - 1, 16)));
}

// ---------------------------------------------------------------------------------------------
// Admin: the delivery record, failed emails and the resend action.

export const emailFilterSchema = z.object({
  status: z.enum(EMAIL_STATUSES).optional().or(z.literal("").transform(() => undefined)),
  to: z.string().trim().max(254).optional().transform((v) => v || undefined),
  cursor: cursorSchema("email"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type EmailFilter = z.infer<typeof emailFilterSchema>;

/** Newest first; the cursor is the id of the last row seen (ids sort by time). */
export async function listEmails(app: Pick<AppContext, "db">, filter: EmailFilter) {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(emails.status, filter.status));
  if (filter.to) where.push(eq(emails.toAddress, filter.to));
  if (filter.cursor) where.push(lt(emails.id, filter.cursor));
  const rows = await app.db
    .select({
      id: emails.id,
      idempotencyKey: emails.idempotencyKey,
      template: emails.template,
      toAddress: emails.toAddress,
      subject: emails.subject,
      status: emails.status,
      attempts: emails.attempts,
      provider: emails.provider,
      lastError: emails.lastError,
      createdAt: emails.createdAt,
      updatedAt: emails.updatedAt,
      sentAt: emails.sentAt,
    })
    .from(emails)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(emails.id))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  const items = rows.slice(0, filter.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1]!.id : null };
}

/**
 * Puts a failed email back on the queue with its original idempotency key (so the provider
 * still deduplicates), and audits who did it.
 */
export async function resendEmail(app: AppContext, actor: { id: string }, emailId: string) {
  const row = await app.db.select().from(emails).where(eq(emails.id, emailId)).get();
  if (!row) throw AppError.notFound("Email");
  if (row.status !== "failed") throw new AppError("conflict", `Only failed emails can be resent (this one is ${row.status}).`);
  if (!isTemplateName(row.template) || !row.toAddress || !row.data) {
    throw new AppError("unprocessable", "This email is missing its template, recipient or data and cannot be resent.");
  }
  const message = buildEmailMessage(
    { template: row.template, to: row.toAddress, data: row.data as never, idempotencyKey: row.idempotencyKey },
    app.requestId,
  );
  const t = now();
  const [requeued] = await app.db.batch([
    app.db
      .update(emails)
      .set({ status: "queued", lastError: null, lockedUntil: null, updatedAt: t })
      .where(and(eq(emails.id, row.id), eq(emails.status, "failed")))
      .returning({ id: emails.id }),
    auditInsert(app, {
      actorId: actor.id,
      action: "email.resend",
      targetType: "email",
      targetId: row.id,
      metadata: { template: row.template, idempotencyKey: row.idempotencyKey, previousError: row.lastError },
    }),
  ]);
  if (!requeued.length) throw new AppError("conflict", "This email changed meanwhile; reload and try again.");
  try {
    await app.env.EMAILS.send(message, { contentType: "json" });
  } catch (error) {
    await app.db.update(emails).set({ status: "failed", lastError: row.lastError, updatedAt: now() }).where(eq(emails.id, row.id)).run();
    throw new AppError("upstream_unavailable", "Could not queue the email; try again.", { cause: error });
  }
  app.logger.info("email.resend_requested", { emailId: row.id, actorId: actor.id, template: row.template });
  return { id: row.id, status: "queued" as EmailStatus };
}

// ---------------------------------------------------------------------------------------------
// Development mailbox (the outbox provider's table).

export const mailboxFilterSchema = z.object({
  to: z.string().trim().max(254).optional().transform((v) => v || undefined),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export async function listOutbox(app: Pick<AppContext, "db">, filter: z.infer<typeof mailboxFilterSchema>) {
  return app.db
    .select({
      id: emailOutbox.id,
      emailId: emailOutbox.emailId,
      toAddress: emailOutbox.toAddress,
      fromAddress: emailOutbox.fromAddress,
      subject: emailOutbox.subject,
      template: emailOutbox.template,
      createdAt: emailOutbox.createdAt,
    })
    .from(emailOutbox)
    .where(filter.to ? eq(emailOutbox.toAddress, filter.to) : undefined)
    .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
    .limit(filter.limit);
}

/** Emails accepted but not delivered yet (queued, being sent or waiting to retry), for the mailbox's "on its way" note. */
export async function countUndelivered(app: Pick<AppContext, "db">, to?: string) {
  const row = await app.db
    .select({ n: sql<number>`count(*)` })
    .from(emails)
    .where(and(inArray(emails.status, ["queued", "sending", "retrying"]), to ? eq(emails.toAddress, to) : undefined))
    .get();
  return row?.n ?? 0;
}

/** The outbox with bodies, for /dev/mailbox.json (end-to-end tests read receipts and links). */
export async function listOutboxWithBodies(app: Pick<AppContext, "db">, filter: z.infer<typeof mailboxFilterSchema>) {
  return app.db
    .select()
    .from(emailOutbox)
    .where(filter.to ? eq(emailOutbox.toAddress, filter.to) : undefined)
    .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
    .limit(filter.limit);
}

export async function getOutboxEmail(app: Pick<AppContext, "db">, emailId: string) {
  return (await app.db.select().from(emailOutbox).where(eq(emailOutbox.emailId, emailId)).get()) ?? null;
}

/** The dev mailbox exists everywhere except production. */
/**
 * The mailbox shows every user's emails: never in production, open on a developer's own machine,
 * and admins only (`read:email:any`) on any deployed non-production environment (staging).
 */
export async function requireMailboxAccess(app: AppContext, request: Request) {
  if (app.config.APP_ENV === "production") throw new Response("Not Found", { status: 404 });
  if (isLocalDevRequest(app.config, request)) return;
  await requireUserWithPermission(app, request, "read:email:any");
}

// ---------------------------------------------------------------------------------------------

type Parsed =
  | { ok: true; message: EmailMessage & { template: EmailTemplateName }; data: Record<string, unknown> }
  | { ok: false; reason: string };

function parseMessage(body: unknown): Parsed {
  const envelope = emailMessageSchema.safeParse(body);
  if (!envelope.success) return { ok: false, reason: `invalid message: ${Object.keys(issuesToFields(envelope.error.issues)).join(", ")}` };
  const message = envelope.data;
  if (!isTemplateName(message.template)) return { ok: false, reason: `unknown template "${message.template.slice(0, 64)}"` };
  const check = checkTemplateData(message.template, message.data);
  if (!check.ok) return { ok: false, reason: check.reason };
  return { ok: true, message: message as EmailMessage & { template: EmailTemplateName }, data: check.data };
}

/**
 * An invalid message is recorded as `rejected` (visible to admins with its reason), logged,
 * and acknowledged: retrying cannot fix it.
 */
async function reject(app: AppContext, body: unknown, meta: MessageMeta, reason: string): Promise<DeliveryOutcome> {
  // Recorded under its own key, so a corrected message reusing the producer's key still sends.
  const key = `rejected/${meta.messageId}`.slice(0, 200);
  const producerKey = looseKey(body);
  if (producerKey) reason = `${reason} (idempotency key ${producerKey})`;
  const obj = isObject(body) ? body : {};
  const t = now();
  const id = createId("email");
  try {
    await app.db
      .insert(emails)
      .values({
        id,
        idempotencyKey: key,
        template: typeof obj.template === "string" ? obj.template.slice(0, 64) : null,
        toAddress: typeof obj.to === "string" ? obj.to.slice(0, 254) : null,
        data: null,
        status: "rejected",
        lastError: reason.slice(0, 500),
        requestId: typeof obj.requestId === "string" ? obj.requestId.slice(0, 64) : null,
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing({ target: emails.idempotencyKey })
      .run();
  } catch (error) {
    app.logger.error("email.reject_record_failed", { messageId: meta.messageId, error: errorName(error) });
  }
  app.logger.warn("email.rejected", { messageId: meta.messageId, idempotencyKey: producerKey, reason });
  return { action: "ack", result: "rejected", emailId: id };
}

function retry(log: AppContext["logger"], meta: MessageMeta, app: AppContext, reason: string, error?: unknown): DeliveryOutcome {
  const delaySeconds = backoffSeconds(app, meta.attempts);
  log.error("email.delivery_error", { reason, attempt: meta.attempts, delaySeconds, error });
  return { action: "retry", delaySeconds, reason };
}

function looseKey(body: unknown): string | null {
  if (!isObject(body)) return null;
  const key = idempotencyKeySchema.safeParse(body.idempotencyKey);
  return key.success ? key.data : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function issuesToFields(issues: z.core.$ZodIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) (out[issue.path.join(".") || "_form"] ??= []).push(issue.message);
  return out;
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
}
