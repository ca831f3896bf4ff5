import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { memberships, roles, users, virtuozzoConnections } from "../../db/tables";

export type VirtuozzoConnectionRow = typeof virtuozzoConnections.$inferSelect;

/** The team's Virtuozzo connection row (sealed credential and session key included), or undefined. */
export function findConnection(db: Db, teamId: string) {
  return db.select().from(virtuozzoConnections).where(eq(virtuozzoConnections.teamId, teamId)).get();
}

/** The connected account's `groupType` and status only (nothing sealed is read). */
export function findGroupType(db: Db, teamId: string) {
  return db
    .select({ groupType: virtuozzoConnections.groupType, status: virtuozzoConnections.status })
    .from(virtuozzoConnections)
    .where(eq(virtuozzoConnections.teamId, teamId))
    .get();
}

export type NewConnection = Omit<typeof virtuozzoConnections.$inferInsert, "generation" | "status">;

/**
 * Creates or replaces the team's connection (PUT). `generation` grows on every PUT and never repeats for a team,
 * even after a DELETE: a fresh row starts at the current time in ms, a replaced one at max(generation + 1, now).
 * The team's VirtuozzoSession object never serves a key of an older generation.
 */
export function upsertConnection(db: Db, row: NewConnection, now: number) {
  const { teamId: _teamId, ...changes } = row;
  return db
    .insert(virtuozzoConnections)
    .values({ ...row, status: "connected", generation: now })
    .onConflictDoUpdate({
      target: virtuozzoConnections.teamId,
      set: {
        ...changes,
        status: "connected",
        lastFailure: null,
        lastFailureAt: null,
        generation: sql`max(${virtuozzoConnections.generation} + 1, ${now})`,
      },
    })
    .returning({ generation: virtuozzoConnections.generation });
}

/** Only while the row still holds this generation and is connected: a PUT in between wins. */
function current(teamId: string, generation: number) {
  return and(
    eq(virtuozzoConnections.teamId, teamId),
    eq(virtuozzoConnections.generation, generation),
    eq(virtuozzoConnections.status, "connected"),
  );
}

/** A refresh succeeded: the new sealed key, its expiry and the account's groupType. */
export function storeRefreshedKey(
  db: Db,
  key: { teamId: string; generation: number },
  change: { sessionKey: string; sessionExpiresAt: number; groupType: string | null; now: number },
) {
  return db
    .update(virtuozzoConnections)
    .set({
      sessionKey: change.sessionKey,
      sessionExpiresAt: change.sessionExpiresAt,
      groupType: change.groupType,
      lastRefreshAt: change.now,
      lastFailure: null,
      lastFailureAt: null,
      updatedAt: change.now,
    })
    .where(current(key.teamId, key.generation))
    .returning({ generation: virtuozzoConnections.generation });
}

/** A refresh failed: `unavailable` keeps the key (served while valid); `rejected` drops it and needs the Owner. */
export function storeRefreshFailure(
  db: Db,
  key: { teamId: string; generation: number },
  failure: "unavailable" | "rejected",
  now: number,
) {
  return db
    .update(virtuozzoConnections)
    .set({
      lastFailure: failure,
      lastFailureAt: now,
      updatedAt: now,
      ...(failure === "rejected"
        ? { status: "reauth_required" as const, sessionKey: null, sessionExpiresAt: null }
        : {}),
    })
    .where(current(key.teamId, key.generation))
    .returning({ generation: virtuozzoConnections.generation });
}

export function deleteConnection(db: Db, teamId: string, generation: number) {
  return db
    .delete(virtuozzoConnections)
    .where(and(eq(virtuozzoConnections.teamId, teamId), eq(virtuozzoConnections.generation, generation)))
    .returning({ generation: virtuozzoConnections.generation });
}

/** The team's Owner (the re-authentication mail's addressee). */
export function findTeamOwner(db: Db, teamId: string) {
  return db
    .select({ userId: users.id, email: users.email, name: users.name })
    .from(memberships)
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.teamId, teamId), eq(roles.builtIn, "owner")))
    .get();
}

/**
 * Connections with a secret not sealed under `keyId` (the current ENCRYPTION_KEYS key): the credential, or a
 * stored session key. A batch at a time, for the re-encryption after a key rotation (resealing.ts).
 */
export function connectionsNotUnderKey(db: Db, keyId: string, limit: number) {
  const current = `gh1.${keyId}.%`;
  return db
    .select({
      teamId: virtuozzoConnections.teamId,
      credential: virtuozzoConnections.credential,
      sessionKey: virtuozzoConnections.sessionKey,
    })
    .from(virtuozzoConnections)
    .where(
      sql`${virtuozzoConnections.credential} NOT LIKE ${current} OR (${virtuozzoConnections.sessionKey} IS NOT NULL AND ${virtuozzoConnections.sessionKey} NOT LIKE ${current})`,
    )
    .limit(limit);
}

/**
 * Replaces a connection's sealed values with their re-encryption, only while they are still the ones that were
 * read: a reconnect or a refresh in between wins, and the next run looks at the row again.
 */
export function resealConnectionStatement(
  db: Db,
  change: {
    teamId: string;
    from: { credential: string; sessionKey: string | null };
    to: { credential: string; sessionKey: string | null };
  },
) {
  const { teamId, from, to } = change;
  return db
    .update(virtuozzoConnections)
    .set({ credential: to.credential, sessionKey: to.sessionKey })
    .where(
      and(
        eq(virtuozzoConnections.teamId, teamId),
        eq(virtuozzoConnections.credential, from.credential),
        from.sessionKey === null
          ? sql`${virtuozzoConnections.sessionKey} IS NULL`
          : eq(virtuozzoConnections.sessionKey, from.sessionKey),
      ),
    )
    .returning({ teamId: virtuozzoConnections.teamId });
}
