import { and, eq, gt, inArray, isNull, lt, notExists, sql } from "drizzle-orm";
import { toHex } from "../crypto/encoding";
import type { Db } from "./client";
import { actionTokens, memberships, teams, userPlatformRoles, users } from "./tables";

export type UserRow = typeof users.$inferSelect;
export type PlatformRole = (typeof userPlatformRoles.$inferSelect)["role"];

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.email, email)).get();
}

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function insertUser(db: Db, row: typeof users.$inferInsert) {
  return db.insert(users).values(row);
}

export function markEmailVerified(db: Db, userId: string, at: number) {
  return db
    .update(users)
    .set({ emailVerifiedAt: at, updatedAt: at })
    .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)));
}

export function grantPlatformRole(db: Db, userId: string, role: PlatformRole, at: number) {
  return db.insert(userPlatformRoles).values({ userId, role, grantedAt: at }).onConflictDoNothing();
}

export async function platformRolesOf(db: Db, userId: string): Promise<PlatformRole[]> {
  const rows = await db
    .select({ role: userPlatformRoles.role })
    .from(userPlatformRoles)
    .where(eq(userPlatformRoles.userId, userId));
  return rows.map((r) => r.role);
}

/**
 * An unverified registration has expired when none of its verification tokens is still valid. Such a
 * registration no longer holds its address (nor its team's slug).
 */
export async function isRegistrationExpired(db: Db, userId: string, now: number): Promise<boolean> {
  const live = await db
    .select({ hash: actionTokens.tokenHash })
    .from(actionTokens)
    .where(
      and(
        eq(actionTokens.userId, userId),
        eq(actionTokens.purpose, "verify_email"),
        isNull(actionTokens.consumedAt),
        gt(actionTokens.expiresAt, now),
      ),
    )
    .limit(1)
    .get();
  return !live;
}

/**
 * Ids of unverified users whose registration expired before `cutoff` and who belong to no team but the one
 * they created (the cron purge and a new registration of the same address both use this).
 */
export async function expiredUnverifiedUserIds(db: Db, now: number, limit = 100): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        isNull(users.emailVerifiedAt),
        lt(users.createdAt, now),
        notExists(
          db
            .select({ one: sql`1` })
            .from(actionTokens)
            .where(
              and(
                eq(actionTokens.userId, users.id),
                eq(actionTokens.purpose, "verify_email"),
                isNull(actionTokens.consumedAt),
                gt(actionTokens.expiresAt, now),
              ),
            ),
        ),
      ),
    )
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Statements that erase an unverified registration: the teams where the user is the only member (the team
 * Door A created with it), then the user (memberships and tokens cascade). Run them in one batch.
 */
export function purgeUnverifiedUserStatements(db: Db, userId: string) {
  return [
    db
      .delete(teams)
      .where(
        and(
          inArray(
            teams.id,
            db.select({ id: memberships.teamId }).from(memberships).where(eq(memberships.userId, userId)),
          ),
          sql`(SELECT count(*) FROM memberships m WHERE m.team_id = teams.id) = 1`,
          sql`EXISTS (SELECT 1 FROM users u WHERE u.id = ${userId} AND u.email_verified_at IS NULL)`,
        ),
      ),
    db.delete(users).where(and(eq(users.id, userId), isNull(users.emailVerifiedAt))),
  ] as const;
}

/**
 * Records a failed password attempt in one atomic statement; the 5th consecutive failure locks the account
 * until `lockUntil`. Returns the new count and lock.
 */
export function recordLoginFailure(
  db: Db,
  failure: { userId: string; now: number; threshold: number; lockUntil: number },
) {
  const { userId, now, threshold, lockUntil } = failure;
  return db
    .update(users)
    .set({
      failedLoginCount: sql`${users.failedLoginCount} + 1`,
      lockedUntil: sql`CASE WHEN ${users.failedLoginCount} + 1 >= ${threshold} THEN ${lockUntil} ELSE ${users.lockedUntil} END`,
      updatedAt: now,
    })
    .where(eq(users.id, userId))
    .returning({ failedLoginCount: users.failedLoginCount, lockedUntil: users.lockedUntil })
    .get();
}

export function recordLoginSuccess(db: Db, userId: string, now: number, passwordHash?: string) {
  return db
    .update(users)
    .set({
      failedLoginCount: 0,
      lockedUntil: null,
      lastLoginAt: now,
      ...(passwordHash ? { passwordHash } : {}),
    })
    .where(eq(users.id, userId));
}

/** A fresh security stamp (users.security_stamp): 128 random bits, hex. */
export function newSecurityStamp(random: (n: number) => Uint8Array): string {
  return toHex(random(16));
}

/**
 * Sets a new password. The security stamp changes with it, so every login in flight (pre-auth tokens, device
 * challenges, approval links, concurrent-session decisions) started with the old password dies.
 */
export function setPassword(
  db: Db,
  change: { userId: string; passwordHash: string; securityStamp: string; now: number },
) {
  const { userId, passwordHash, securityStamp, now } = change;
  return db
    .update(users)
    .set({
      passwordHash,
      securityStamp,
      passwordMustChange: false,
      failedLoginCount: 0,
      lockedUntil: null,
      updatedAt: now,
    })
    .where(eq(users.id, userId));
}

/** Changes the security stamp alone (2FA disabled or reset, an admin lock): logins in flight die. */
export function rotateSecurityStampStatement(db: Db, userId: string, securityStamp: string, now: number) {
  return db.update(users).set({ securityStamp, updatedAt: now }).where(eq(users.id, userId));
}

export interface LoginFacts {
  mfaEnabled: boolean;
  platformRoles: string[];
  /** The user has had a session before (device approval applies from the second device on). */
  hadSession: boolean;
}

/**
 * What the login step requirements need to know about a user, as one select (usable inside a D1 batch: every
 * column has its own name).
 */
export function loginFactsQuery(db: Db, userId: string) {
  // Correlated subqueries spelled out with table aliases: drizzle renders columns unqualified inside sql``,
  // and an unqualified "id" would bind to the subquery's own table.
  return db
    .select({
      mfa: sql<number>`EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = users.id)`.as("mfa"),
      hadSession: sql<number>`EXISTS (SELECT 1 FROM sessions x WHERE x.user_id = users.id)`.as("had_session"),
      roles: sql<
        string | null
      >`(SELECT group_concat(r.role) FROM user_platform_roles r WHERE r.user_id = users.id)`.as("roles"),
    })
    .from(users)
    .where(eq(users.id, userId));
}

export function toLoginFacts(rows: { mfa: number; hadSession: number; roles: string | null }[]): LoginFacts {
  const row = rows[0];
  return {
    mfaEnabled: row?.mfa === 1,
    platformRoles: row?.roles ? row.roles.split(",") : [],
    hadSession: row?.hadSession === 1,
  };
}

export async function loginFactsOf(db: Db, userId: string): Promise<LoginFacts> {
  return toLoginFacts(await loginFactsQuery(db, userId));
}
