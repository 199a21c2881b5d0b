import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import * as z from "zod";
import { requireMailboxAccess, listOutboxWithBodies, mailboxFilterSchema } from "~/modules/email/email.server";
import { errorResponse, parseOrThrow, toAppError } from "~/utils/errors";

/**
 * GET /dev/mailbox.json?to=<address>&limit=N — the outbox for end-to-end tests: newest first,
 * with subject, text and HTML so a test can read a receipt or follow a link. Never in production.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireMailboxAccess(app, request);
  try {
    const filter = parseOrThrow(mailboxFilterSchema.extend({ limit: z.coerce.number().int().min(1).max(50).default(20) }), Object.fromEntries(new URL(request.url).searchParams));
    const emails = await listOutboxWithBodies(app, filter);
    return Response.json(
      {
        emails: emails.map((e) => ({
          emailId: e.emailId,
          to: e.toAddress,
          from: e.fromAddress,
          subject: e.subject,
          template: e.template,
          createdAt: e.createdAt,
          text: e.text,
          html: e.html,
        })),
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    return errorResponse(toAppError(error), app.requestId);
  }
}
