/** Email status values shared by the column, zod schemas and the admin UI. Plain constants: safe in browser code. */
export const EMAIL_STATUSES = ["queued", "sending", "retrying", "sent", "failed", "rejected"] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];
