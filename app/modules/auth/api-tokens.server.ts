import { and, desc, eq, isNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId, randomToken, sha256Hex } from "~/utils/ids";
import { apiTokens, users } from "~drizzle/schema";
import { apiTokenSchema } from "./schemas";
import type { SessionUser } from "./session.server";

const TOKEN_PREFIX = "cm_";
export const MAX_TOKENS_PER_USER = 20;

/** Creates a token, returns its secret exactly once; only the SHA-256 is stored. */
export async function createApiToken(app: AppContext, user: SessionUser, input: unknown) {
  const { name } = parseOrThrow(apiTokenSchema, input);
  const active = await app.db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, user.id), isNull(apiTokens.revokedAt)))
    .all();
  if (active.length >= MAX_TOKENS_PER_USER) {
    throw AppError.validation({ name: [`You can have at most ${MAX_TOKENS_PER_USER} active tokens`] });
  }
  const secret = `${TOKEN_PREFIX}${randomToken(24)}`;
  const id = createId("apiToken");
  const row = {
    id,
    userId: user.id,
    name,
    tokenHash: await sha256Hex(secret),
    prefix: secret.slice(0, 10),
    createdAt: now(),
  };
  await app.db.batch([
    app.db.insert(apiTokens).values(row),
    auditInsert(app, { actorId: user.id, action: "api_token.created", targetType: "api_token", targetId: id, metadata: { name } }),
  ]);
  app.logger.info("auth.api_token_created", { userId: user.id, tokenId: id });
  return { token: secret, id, name, prefix: row.prefix, createdAt: row.createdAt };
}

/** Revokes one of the user's own tokens; someone else's token id is simply not found. */
export async function revokeApiToken(app: AppContext, user: SessionUser, tokenId: string) {
  const token = await app.db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, user.id)))
    .get();
  if (!token) throw AppError.notFound("API token");
  if (token.revokedAt) return;
  await app.db.batch([
    app.db.update(apiTokens).set({ revokedAt: now() }).where(eq(apiTokens.id, tokenId)),
    auditInsert(app, { actorId: user.id, action: "api_token.revoked", targetType: "api_token", targetId: tokenId, metadata: { name: token.name } }),
  ]);
  app.logger.info("auth.api_token_revoked", { userId: user.id, tokenId });
}

/**
 * Revokes every live token of the user at once (part of "log out everywhere"); one audit record
 * with the count. Returns how many were revoked.
 */
export async function revokeAllApiTokens(app: AppContext, user: SessionUser): Promise<number> {
  const live = await app.db.select({ id: apiTokens.id }).from(apiTokens).where(and(eq(apiTokens.userId, user.id), isNull(apiTokens.revokedAt))).all();
  if (!live.length) return 0;
  const [result] = await app.db.batch([
    app.db.update(apiTokens).set({ revokedAt: now() }).where(and(eq(apiTokens.userId, user.id), isNull(apiTokens.revokedAt))),
    auditInsert(app, { actorId: user.id, action: "api_token.revoked_all", targetType: "user", targetId: user.id, metadata: { count: live.length } }),
  ]);
  app.logger.info("auth.api_tokens_revoked_all", { userId: user.id, count: result.meta.changes });
  return result.meta.changes;
}

export async function listApiTokens(app: AppContext, userId: string) {
  return app.db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt))
    .all();
}

/** Resolves `Authorization: Bearer cm_...` to the token's owner, or null. */
export async function authenticateApiToken(app: AppContext, authorization: string): Promise<SessionUser | null> {
  const match = /^Bearer\s+(cm_[0-9a-f]{48})$/.exec(authorization.trim());
  if (!match) return null;
  const row = await app.db
    .select({ user: users, tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, await sha256Hex(match[1]!)), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  const t = now();
  if (!row.lastUsedAt || t - row.lastUsedAt > 60_000) {
    app.ctx.waitUntil(app.db.update(apiTokens).set({ lastUsedAt: t }).where(eq(apiTokens.id, row.tokenId)).run().then(() => undefined));
  }
  return { ...row.user, sessionId: null, via: "token" };
}
