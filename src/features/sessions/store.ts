import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { memberships, refreshTokens, roles, sessions, teams, users } from "../../db/tables";

export type SessionRow = typeof sessions.$inferSelect;

export function insertSession(db: Db, row: typeof sessions.$inferInsert) {
  return db.insert(sessions).values(row);
}

export function insertRefreshToken(db: Db, tokenHash: string, sessionId: string, now: number) {
  return db.insert(refreshTokens).values({ tokenHash, sessionId, createdAt: now });
}

/**
 * Rotates a refresh token in one D1 batch (one round trip, one transaction): the single conditional write
 * "mark the old token used, if it is unused, naming its successor" decides the winner among concurrent
 * refreshes; the successor is inserted, and the session touched, only where that write named it.
 * Returns true for the winner.
 */
export async function rotateRefreshToken(
  db: Db,
  rotation: { oldHash: string; newHash: string; sessionId: string; now: number },
): Promise<boolean> {
  const { oldHash, newHash, sessionId, now } = rotation;
  const d1 = db.$client;
  const [used] = await d1.batch([
    d1
      .prepare(
        "UPDATE refresh_tokens SET used_at = ?1, replaced_by = ?2 WHERE token_hash = ?3 AND used_at IS NULL",
      )
      .bind(now, newHash, oldHash),
    d1
      .prepare(
        `INSERT INTO refresh_tokens (token_hash, session_id, created_at)
         SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = ?4 AND replaced_by = ?1)`,
      )
      .bind(newHash, sessionId, now, oldHash),
    d1
      .prepare(
        `UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2
         AND EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = ?3 AND replaced_by = ?4)`,
      )
      .bind(now, sessionId, oldHash, newHash),
  ]);
  return (used?.meta.changes ?? 0) === 1;
}

/**
 * Everything a refresh needs in one query: the token's use time, its session, the user, their platform roles and
 * their role in the session's team (so a refresh costs two D1 round trips: this batch and the write).
 */
export function sessionByRefreshToken(db: Db, tokenHash: string) {
  return db
    .select({
      usedAt: refreshTokens.usedAt,
      session: sessions,
      user: {
        id: users.id,
        email: users.email,
        name: users.name,
        emailVerifiedAt: users.emailVerifiedAt,
        disabledAt: users.disabledAt,
      },
      platformRoles: sql<
        string | null
      >`(SELECT group_concat(r.role) FROM user_platform_roles r WHERE r.user_id = sessions.user_id)`,
      teamSlug: teams.slug,
      teamName: teams.name,
      roleId: roles.id,
      roleName: roles.name,
      rolePermissions: roles.permissions,
      roleInherits: roles.inheritsRoleId,
      memberStamp: memberships.accessStamp,
      // Only when the role inherits: the team's roles, so inheritance resolves within this one round trip.
      teamRoles: sql<string | null>`CASE WHEN roles.inherits_role_id IS NULL THEN NULL ELSE (
        SELECT json_group_array(json_object('id', tr.id, 'permissions', tr.permissions,
          'inheritsRoleId', tr.inherits_role_id))
        FROM roles tr WHERE tr.team_id = sessions.team_id) END`,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(teams, eq(teams.id, sessions.teamId))
    .leftJoin(
      memberships,
      and(eq(memberships.teamId, sessions.teamId), eq(memberships.userId, sessions.userId)),
    )
    .leftJoin(roles, eq(roles.id, memberships.roleId))
    .where(eq(refreshTokens.tokenHash, tokenHash));
}

export function revokeSessionStatement(db: Db, sessionId: string, now: number, reason: string) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({
      id: sessions.id,
      userId: sessions.userId,
      accessEpoch: sessions.accessEpoch,
      teamId: sessions.teamId,
    });
}

/**
 * Revokes the live sessions a filter names — a user's (optionally all but one), a team's, or one user's in a
 * team — in one statement; returns the sessions revoked (for sessions/end.ts).
 */
export function revokeSessionsStatement(
  db: Db,
  revocation: { userId?: string; teamId?: string; except?: string | undefined; now: number; reason: string },
) {
  const { userId, teamId, except, now, reason } = revocation;
  if (userId === undefined && teamId === undefined)
    throw new TypeError("revokeSessionsStatement needs a filter");
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(
        userId === undefined ? undefined : eq(sessions.userId, userId),
        teamId === undefined ? undefined : eq(sessions.teamId, teamId),
        except ? sql`${sessions.id} <> ${except}` : undefined,
        isNull(sessions.revokedAt),
      ),
    )
    .returning({
      id: sessions.id,
      userId: sessions.userId,
      accessEpoch: sessions.accessEpoch,
      teamId: sessions.teamId,
    });
}

export function liveSessionsOf(db: Db, userId: string, now: number): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt));
}

export function findSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return db.select().from(sessions).where(eq(sessions.id, id)).get();
}

/**
 * Moves a live session to another team in a new access epoch (the old epoch's tokens are then revoked at the
 * edge), only while the user is a member of that team — checked in the same statement, so a removal racing the
 * switch either comes first (nothing moves) or revokes the moved session. Its unused refresh tokens are retired
 * (a new one is issued). The first statement answers the new epoch, or nothing.
 */
export function switchSessionTeamStatements(
  db: Db,
  move: { sessionId: string; userId: string; teamId: string | null; now: number },
) {
  const { sessionId, userId, teamId, now } = move;
  return [
    db
      .update(sessions)
      .set({ teamId, lastSeenAt: now, accessEpoch: sql`${sessions.accessEpoch} + 1` })
      .where(
        and(
          eq(sessions.id, sessionId),
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          teamId === null
            ? undefined
            : sql`EXISTS (SELECT 1 FROM memberships m WHERE m.team_id = ${teamId} AND m.user_id = ${userId})`,
        ),
      )
      .returning({ accessEpoch: sessions.accessEpoch }),
    db.delete(refreshTokens).where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.usedAt))),
  ] as const;
}

/** The session a pre-auth token (jti) already created, if any: a login creates at most one session. */
export function sessionOfPreAuthQuery(db: Db, jti: string) {
  return db.select({ id: sessions.id }).from(sessions).where(eq(sessions.preAuthJti, jti)).limit(1);
}
