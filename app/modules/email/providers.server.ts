import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { emailOutbox } from "~drizzle/schema";

/** A rendered email ready for a provider. */
export type OutgoingEmail = {
  /** Our `eml_` id. */
  emailId: string;
  /** Passed to the provider so its own retries cannot duplicate the email either. */
  idempotencyKey: string;
  template: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
};

export interface EmailProvider {
  readonly name: string;
  /** Delivers the email or throws `ProviderError`. Must be safe to call twice for one `emailId`. */
  send(email: OutgoingEmail): Promise<{ providerMessageId: string }>;
}

/** A failed delivery. `retryable` decides between a queue retry and failing the email now. */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly status?: number;
  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

/**
 * Development and tests: "delivers" into the D1 `email_outbox` table that /dev/mailbox shows.
 * The unique index on email_id makes a second delivery of the same email a no-op.
 */
export function createOutboxProvider(app: Pick<AppContext, "db">): EmailProvider {
  return {
    name: "outbox",
    async send(email) {
      const id = createId("email").replace(/^eml_/, "out_");
      await app.db
        .insert(emailOutbox)
        .values({
          id,
          emailId: email.emailId,
          fromAddress: email.from,
          toAddress: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          template: email.template,
          createdAt: now(),
        })
        .onConflictDoNothing({ target: emailOutbox.emailId })
        .run();
      return { providerMessageId: email.emailId };
    },
  };
}

/**
 * Production: Resend's HTTP API (POST /emails). Its Idempotency-Key header makes a repeated
 * request within 24 hours return the first result instead of sending again.
 * 429, 5xx, 409 (a concurrent request with the same key) and network errors are transient;
 * other 4xx (invalid address, unverified domain, bad key) fail the email at once.
 */
export function createResendProvider(options: {
  apiKey: string;
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): EmailProvider {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    name: "resend",
    async send(email) {
      let response: Response;
      try {
        response = await doFetch(new URL("/emails", options.baseUrl).toString(), {
          method: "POST",
          headers: {
            Authorization: `Bearer ${options.apiKey}`,
            "Content-Type": "application/json",
            "Idempotency-Key": `coursemint/${email.idempotencyKey}`.slice(0, 256),
            "User-Agent": "coursemint",
          },
          body: JSON.stringify({
            from: email.from,
            to: [email.to],
            subject: email.subject,
            html: email.html,
            text: email.text,
            tags: [
              { name: "template", value: email.template.replace(/[^\w-]/g, "_") },
              { name: "email_id", value: email.emailId },
            ],
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new ProviderError(`resend: network error (${error instanceof Error ? error.name : "unknown"})`, {
          retryable: true,
          cause: error,
        });
      }
      const body = (await response.json().catch(() => null)) as { id?: unknown; message?: unknown; name?: unknown } | null;
      if (response.ok && typeof body?.id === "string") return { providerMessageId: body.id };
      const detail = typeof body?.message === "string" ? body.message.slice(0, 200) : response.statusText;
      const retryable = response.ok || response.status === 409 || response.status === 429 || response.status >= 500;
      throw new ProviderError(`resend: ${response.status} ${detail}`, { retryable, status: response.status });
    },
  };
}

/** The provider the config names (EMAIL_PROVIDER); the outbox unless production says otherwise. */
export function getEmailProvider(app: Pick<AppContext, "db" | "config">): EmailProvider {
  if (app.config.EMAIL_PROVIDER === "resend") {
    return createResendProvider({ apiKey: app.config.RESEND_API_KEY!, baseUrl: app.config.RESEND_API_URL });
  }
  return createOutboxProvider(app);
}
