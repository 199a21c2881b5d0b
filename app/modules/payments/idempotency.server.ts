import { and, eq, isNull } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { reportedError } from "~/utils/api.server";
import { AppError, errorBody } from "~/utils/errors";
import { sha256Hex } from "~/utils/ids";
import { idempotencyKeys } from "~drizzle/schema";

const keySchema = z.string().trim().min(1).max(255).regex(/^[\x21-\x7e]+$/, "Idempotency-Key must be printable ASCII");

/** How long a first run owns its key before a retry may assume it crashed. */
export const IN_FLIGHT_LEASE_MS = 60_000;

export type StoredResponse = { status: number; body: unknown };

/**
 * Honours an `Idempotency-Key` header for a POST that creates or moves money: the same key and
 * body replays the first response; the same key with another body is a 409; a key whose first
 * request is still running is a 409 too (until its lease ends: a crashed run never blocks the key for
 * good). 5xx outcomes are not stored, so the client may retry.
 */
export async function withIdempotency(
  app: AppContext,
  request: Request,
  scope: { userId: string; name: string; body: unknown },
  run: () => Promise<StoredResponse>,
): Promise<Response> {
  const header = request.headers.get("Idempotency-Key");
  if (header === null) return respond(await runCatching(app, request, run));
  const parsed = keySchema.safeParse(header);
  if (!parsed.success) throw new AppError("bad_request", "Idempotency-Key must be 1-255 printable characters.");
  const key = parsed.data;
  const requestHash = await sha256Hex(JSON.stringify(scope.body ?? null));
  const where = and(eq(idempotencyKeys.userId, scope.userId), eq(idempotencyKeys.scope, scope.name), eq(idempotencyKeys.key, key));

  const inserted = await app.db
    .insert(idempotencyKeys)
    .values({ userId: scope.userId, scope: scope.name, key, requestHash, createdAt: now() })
    .onConflictDoNothing()
    .run();
  if (inserted.meta.changes === 0) {
    const existing = await app.db.select().from(idempotencyKeys).where(where).get();
    if (!existing) throw new AppError("conflict", "Please retry the request.");
    if (existing.requestHash !== requestHash) {
      throw new AppError("idempotency_conflict", "This Idempotency-Key was already used with a different request body.");
    }
    if (existing.responseStatus !== null) {
      return respond({ status: existing.responseStatus, body: JSON.parse(existing.responseBody ?? "null") }, true);
    }
    // Still running, or its run crashed before recording a response. After the lease, this request
    // takes the key over (one winner, by compare-and-set on created_at) and runs again: the money
    // paths underneath are idempotent by our own records, so running twice cannot charge twice.
    const t = now();
    const takenOver =
      t - existing.createdAt >= IN_FLIGHT_LEASE_MS &&
      (
        await app.db
          .update(idempotencyKeys)
          .set({ createdAt: t })
          .where(and(where, eq(idempotencyKeys.createdAt, existing.createdAt), isNull(idempotencyKeys.responseStatus)))
          .run()
      ).meta.changes === 1;
    if (!takenOver) throw new AppError("idempotency_conflict", "A request with this Idempotency-Key is still being processed.");
    app.logger.warn("idempotency.key_taken_over", { scope: scope.name, userId: scope.userId });
  }

  const outcome = await runCatching(app, request, run);
  if (outcome.status >= 500) {
    await app.db.delete(idempotencyKeys).where(where).run();
  } else {
    await app.db
      .update(idempotencyKeys)
      .set({ responseStatus: outcome.status, responseBody: JSON.stringify(outcome.body) })
      .where(where)
      .run();
  }
  return respond(outcome);
}

async function runCatching(app: AppContext, request: Request, run: () => Promise<StoredResponse>): Promise<StoredResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Response) throw error;
    const appError = reportedError(app, request, error);
    return { status: appError.status, body: errorBody(appError) };
  }
}

function respond(outcome: StoredResponse, replayed = false) {
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return new Response(JSON.stringify(outcome.body), { status: outcome.status, headers });
}
