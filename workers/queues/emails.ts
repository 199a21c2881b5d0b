import { deliverEmailMessage, EMAIL_DEAD_LETTER_QUEUE, EMAIL_QUEUE, recordDeadLetter } from "~/modules/email/email.server";
import { getEmailProvider } from "~/modules/email/providers.server";
import { brandingForEmail } from "~/modules/licensing/branding.server";
import { perMessage, type QueueConsumer } from "./consumer";

/** The rules live in app/modules/email. */
export const emailConsumers: Record<string, QueueConsumer> = {
  [EMAIL_QUEUE]: perMessage((app, body, meta) => deliverEmailMessage(app, body, meta, getEmailProvider(app), (to) => brandingForEmail(app, to))),
  [EMAIL_DEAD_LETTER_QUEUE]: perMessage(recordDeadLetter),
};
