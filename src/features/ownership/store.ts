import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { memberships, ownershipTransfers, teams } from "../../db/tables";
import { nextAccessStamp } from "../../db/teams";

export function insertOwnershipTransfer(db: Db, row: typeof ownershipTransfers.$inferInsert) {
  return db.insert(ownershipTransfers).values(row);
}

/** Ends a team's pending proposal (a new proposal replaces it; the Owner may cancel it). */
export function cancelPendingTransfers(db: Db, teamId: string, now: number) {
  return db
    .update(ownershipTransfers)
    .set({ status: "cancelled", decidedAt: now })
    .where(and(eq(ownershipTransfers.teamId, teamId), eq(ownershipTransfers.status, "pending")))
    .returning({ id: ownershipTransfers.id, toUserId: ownershipTransfers.toUserId });
}

/** A live (pending, unexpired) proposal by token hash, with the team's name. */
export function liveTransferByHash(db: Db, tokenHash: string, now: number) {
  return db
    .select({ transfer: ownershipTransfers, teamName: teams.name })
    .from(ownershipTransfers)
    .innerJoin(teams, eq(teams.id, ownershipTransfers.teamId))
    .where(
      and(
        eq(ownershipTransfers.tokenHash, tokenHash),
        eq(ownershipTransfers.status, "pending"),
        gt(ownershipTransfers.expiresAt, now),
      ),
    )
    .get();
}

export function declineTransferStatement(db: Db, id: string, toUserId: string, now: number) {
  return db
    .update(ownershipTransfers)
    .set({ status: "declined", decidedAt: now })
    .where(
      and(
        eq(ownershipTransfers.id, id),
        eq(ownershipTransfers.toUserId, toUserId),
        eq(ownershipTransfers.status, "pending"),
        gt(ownershipTransfers.expiresAt, now),
      ),
    )
    .returning({ id: ownershipTransfers.id });
}

/**
 * The accept as three statements of one D1 batch (one transaction): the proposal flips to `accepted` only while
 * pending, unexpired and addressed to this user; each role change is guarded by that flip, by both people still
 * holding their roles, so the team never has zero or two Owners. The swap happened when each of the three
 * returns exactly one row (`swapHappened`).
 */
export function acceptTransferStatements(
  db: Db,
  t: { id: string; teamId: string; fromUserId: string; toUserId: string },
  roleIds: { owner: string; manager: string },
  now: number,
) {
  const accepted = sql`EXISTS (SELECT 1 FROM ownership_transfers o WHERE o.id = ${t.id} AND o.status = 'accepted' AND o.decided_at = ${now})`;
  const bothMembers = sql`(SELECT count(*) FROM memberships x WHERE x.team_id = ${t.teamId} AND x.user_id IN (${t.fromUserId}, ${t.toUserId})) = 2`;
  return [
    db
      .update(ownershipTransfers)
      .set({ status: "accepted", decidedAt: now })
      .where(
        and(
          eq(ownershipTransfers.id, t.id),
          eq(ownershipTransfers.toUserId, t.toUserId),
          eq(ownershipTransfers.status, "pending"),
          gt(ownershipTransfers.expiresAt, now),
          sql`EXISTS (SELECT 1 FROM memberships y WHERE y.team_id = ${t.teamId} AND y.user_id = ${t.fromUserId} AND y.role_id = ${roleIds.owner})`,
          sql`EXISTS (SELECT 1 FROM memberships z WHERE z.team_id = ${t.teamId} AND z.user_id = ${t.toUserId})`,
        ),
      )
      .returning({ id: ownershipTransfers.id }),
    db
      .update(memberships)
      .set({ roleId: roleIds.manager, accessStamp: nextAccessStamp(now) })
      .where(
        and(
          eq(memberships.teamId, t.teamId),
          eq(memberships.userId, t.fromUserId),
          eq(memberships.roleId, roleIds.owner),
          accepted,
          bothMembers,
        ),
      )
      .returning({ userId: memberships.userId, accessStamp: memberships.accessStamp }),
    db
      .update(memberships)
      .set({ roleId: roleIds.owner, accessStamp: nextAccessStamp(now) })
      .where(
        and(
          eq(memberships.teamId, t.teamId),
          eq(memberships.userId, t.toUserId),
          accepted,
          sql`NOT EXISTS (SELECT 1 FROM memberships w WHERE w.team_id = ${t.teamId} AND w.role_id = ${roleIds.owner})`,
        ),
      )
      .returning({ userId: memberships.userId, accessStamp: memberships.accessStamp }),
  ] as const;
}

/** Whether the batch of acceptTransferStatements swapped the roles (each statement hit exactly one row). */
export function swapHappened(results: readonly (readonly unknown[])[]): boolean {
  return results.length === 3 && results.every((rows) => rows.length === 1);
}

/** The team's pending, unexpired proposal (at most one: a new proposal cancels the previous one). */
export function pendingTransferOf(db: Db, teamId: string, now: number) {
  return db
    .select()
    .from(ownershipTransfers)
    .where(
      and(
        eq(ownershipTransfers.teamId, teamId),
        eq(ownershipTransfers.status, "pending"),
        gt(ownershipTransfers.expiresAt, now),
      ),
    )
    .get();
}
