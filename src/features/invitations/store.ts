import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { invitations, memberships, roles, teams } from "../../db/tables";

/** A pending invitation: not accepted, not revoked, not expired. */
function pending(now: number) {
  return and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now));
}

export function insertInvitation(db: Db, row: typeof invitations.$inferInsert) {
  return db.insert(invitations).values(row);
}

/** Re-inviting an address replaces its pending invitation: the old link stops working. */
export function revokePendingInvitationsFor(db: Db, teamId: string, email: string, now: number) {
  return db
    .update(invitations)
    .set({ revokedAt: now })
    .where(and(eq(invitations.teamId, teamId), eq(invitations.email, email), pending(now)))
    .returning({ id: invitations.id });
}

export function findPendingInvitation(db: Db, teamId: string, id: string, now: number) {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.teamId, teamId), eq(invitations.id, id), pending(now)))
    .get();
}

export function revokeInvitation(db: Db, teamId: string, id: string, now: number) {
  return db
    .update(invitations)
    .set({ revokedAt: now })
    .where(and(eq(invitations.teamId, teamId), eq(invitations.id, id), pending(now)))
    .returning({ id: invitations.id, email: invitations.email, roleId: invitations.roleId });
}

export function pendingInvitationsOf(db: Db, teamId: string, now: number) {
  return db
    .select({
      id: invitations.id,
      email: invitations.email,
      roleId: invitations.roleId,
      roleName: sql<string>`${roles.name}`.as("role_name"),
      invitedBy: invitations.invitedBy,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
    })
    .from(invitations)
    .innerJoin(roles, eq(roles.id, invitations.roleId))
    .where(and(eq(invitations.teamId, teamId), pending(now)))
    .orderBy(desc(invitations.createdAt));
}

/** A pending invitation by token hash, with its team and role (for Door B and accept). */
export function pendingInvitationByHash(db: Db, tokenHash: string, now: number) {
  return db
    .select({
      id: invitations.id,
      teamId: invitations.teamId,
      email: invitations.email,
      roleId: invitations.roleId,
      roleName: sql<string>`${roles.name}`.as("role_name"),
      teamSlug: teams.slug,
      teamName: sql<string>`${teams.name}`.as("team_name"),
    })
    .from(invitations)
    .innerJoin(roles, eq(roles.id, invitations.roleId))
    .innerJoin(teams, eq(teams.id, invitations.teamId))
    .where(and(eq(invitations.tokenHash, tokenHash), pending(now)))
    .get();
}

/** Marks the invitation used by `userId`, if it is still pending (the single-use guard). */
export function consumeInvitationStatement(db: Db, id: string, userId: string, now: number) {
  return db
    .update(invitations)
    .set({ acceptedAt: now, acceptedBy: userId })
    .where(and(eq(invitations.id, id), pending(now)));
}

/**
 * The membership an invitation grants. Its role is read from the invitation *as consumed by this user*: when
 * the consume statement before it in the same batch matched nothing (used, revoked or expired meanwhile), the
 * role is NULL, the NOT NULL constraint fails and the whole batch — user included — rolls back.
 */
export function invitedMembershipStatement(
  db: Db,
  {
    invitationId,
    teamId,
    userId,
    now,
  }: { invitationId: string; teamId: string; userId: string; now: number },
) {
  return db.insert(memberships).values({
    teamId,
    userId,
    roleId: sql`(SELECT i.role_id FROM invitations i WHERE i.id = ${invitationId} AND i.accepted_by = ${userId} AND i.accepted_at = ${now})`,
    joinedAt: now,
    accessStamp: now,
  });
}

/** The error D1 raises when invitedMembershipStatement found no consumed invitation. */
export function isInvitationRace(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return /NOT NULL constraint failed: memberships\.role_id/i.test(text);
}
