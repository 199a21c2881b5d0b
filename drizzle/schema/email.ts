import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";
import { EMAIL_STATUSES } from "./email-enums";

/**
 * Life of an email: queued → sending → sent; a transient provider error puts it in `retrying`
 * until the queue gives up and the dead-letter consumer marks it `failed` (an admin may resend);
 * a message that can never be sent (bad address, unknown template, missing data) is `rejected`.
 */
export { EMAIL_STATUSES, type EmailStatus } from "./email-enums";

/** One row per idempotency key: the delivery record of every email, in every environment. */
export const emails = sqliteTable(
  "emails",
  {
    id: text("id").primaryKey(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** Null only for rejected messages that did not name one. */
    template: text("template"),
    toAddress: text("to_address"),
    /** Template data as sent by the producer (kept so an admin can resend a failed email). */
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    subject: text("subject"),
    status: text("status", { enum: EMAIL_STATUSES }).notNull(),
    /** Deliveries tried so far (provider calls, not queue deliveries). */
    attempts: integer("attempts").notNull().default(0),
    provider: text("provider"),
    providerMessageId: text("provider_message_id"),
    /** Why the last attempt failed or why the message was rejected (never secrets). */
    lastError: text("last_error"),
    /** While `sending`, another delivery of the same key leaves the row alone until this time. */
    lockedUntil: epochMs("locked_until"),
    requestId: text("request_id"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
    sentAt: epochMs("sent_at"),
  },
  (t) => [
    uniqueIndex("emails_idempotency_key_unique").on(t.idempotencyKey),
    index("emails_status_created_idx").on(t.status, t.createdAt),
    index("emails_to_created_idx").on(t.toAddress, t.createdAt),
    // Retention (app/modules/retention): sent emails whose template data is still kept.
    index("emails_data_kept_idx").on(t.createdAt).where(sql`${t.status} = 'sent' and ${t.data} is not null`),
  ],
);

/** The local provider's mailbox (development and tests): exactly what would have been sent. */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    emailId: text("email_id")
      .notNull()
      .references(() => emails.id, { onDelete: "cascade" }),
    fromAddress: text("from_address").notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    template: text("template").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("email_outbox_email_unique").on(t.emailId), index("email_outbox_to_created_idx").on(t.toAddress, t.createdAt)],
);
