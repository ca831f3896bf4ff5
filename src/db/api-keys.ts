import { and, desc, eq, gte, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { apiKeys, apiKeyUsage, memberships } from "./tables";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function insertApiKey(db: Db, row: typeof apiKeys.$inferInsert) {
  return db.insert(apiKeys).values(row);
}

/**
 * A rotation as two statements of one batch: the old key is revoked naming its successor, if it is still live;
 * the successor's team id is read from the old key *as replaced by it*, so when the revoke matched nothing (a
 * concurrent rotation or revocation won) the NOT NULL constraint fails and the batch rolls back.
 */
export function rotateApiKeyStatements(db: Db, row: ApiKeyRow, replacedId: string, now: number) {
  return [
    db
      .update(apiKeys)
      .set({ revokedAt: now, replacedBy: row.id })
      .where(and(eq(apiKeys.teamId, row.teamId), eq(apiKeys.id, replacedId), isNull(apiKeys.revokedAt))),
    db.insert(apiKeys).values({
      ...row,
      teamId: sql`(SELECT k.team_id FROM api_keys k WHERE k.id = ${replacedId} AND k.replaced_by = ${row.id})`,
    }),
  ] as const;
}

/** The error D1 raises when a rotation lost its race (see rotateApiKeyStatements). */
export function isRotationRace(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return /NOT NULL constraint failed: api_keys\.team_id/i.test(text);
}

/** A team's keys that are not revoked (expired ones stay listed, so they can be seen and revoked). */
export function liveApiKeysOf(db: Db, teamId: string) {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt));
}

export function findApiKey(db: Db, teamId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .get();
}

export function revokeApiKeyStatement(db: Db, teamId: string, id: string, now: number) {
  return db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
}

/**
 * The key a request presents, in one indexed query: unrevoked, and only while its creator is still a member of
 * the key's team (removing a member silences their keys). Expiry is checked by the caller with the clock.
 */
export function apiKeyForAuth(db: Db, keyHash: string) {
  return db
    .select({
      id: apiKeys.id,
      teamId: apiKeys.teamId,
      createdBy: apiKeys.createdBy,
      permissions: apiKeys.permissions,
      expiresAt: apiKeys.expiresAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .innerJoin(
      memberships,
      and(eq(memberships.teamId, apiKeys.teamId), eq(memberships.userId, apiKeys.createdBy)),
    )
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .get();
}

/**
 * Usage bookkeeping in one batch: the day's counter (an atomic upsert) and the last-used time, written at most
 * once a minute (the condition is in the statement, so concurrent requests cannot all write it).
 */
export function recordApiKeyUse(db: Db, keyId: string, now: number) {
  const day = new Date(now).toISOString().slice(0, 10);
  return db.batch([
    db
      .insert(apiKeyUsage)
      .values({ keyId, day, count: 1 })
      .onConflictDoUpdate({
        target: [apiKeyUsage.keyId, apiKeyUsage.day],
        set: { count: sql`${apiKeyUsage.count} + 1` },
      }),
    db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(
        and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - 60_000))),
      ),
  ]);
}

/** Daily counts of a team's keys since `sinceDay` (`YYYY-MM-DD`), for the key list. */
export function usageOfTeamKeys(db: Db, teamId: string, sinceDay: string) {
  return db
    .select({ keyId: apiKeyUsage.keyId, day: apiKeyUsage.day, count: apiKeyUsage.count })
    .from(apiKeyUsage)
    .innerJoin(apiKeys, eq(apiKeys.id, apiKeyUsage.keyId))
    .where(and(eq(apiKeys.teamId, teamId), gte(apiKeyUsage.day, sinceDay)))
    .orderBy(desc(apiKeyUsage.day));
}
