import { and, eq, inArray, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import {
  auditLogs,
  devMailbox,
  emailOutbox,
  invitations,
  teams,
  userPlatformRoles,
  users,
} from "../../db/tables";
import type { PlatformRole } from "../../db/users";

/**
 * The admin feature's D1 reads and writes. The users search is hand-written SQL (one batch: the page and its
 * total) so that every filter and sort is a shape SQLite answers from an index — docs/admin.md lists the plans.
 */

export type UserStatus = "active" | "locked" | "unverified";
export type SortKey = "createdAt" | "email" | "name" | "lastLoginAt";

export interface UserSearch {
  q?: string;
  status?: UserStatus;
  platformRole?: PlatformRole;
  teamId?: string;
  createdFrom?: number;
  createdTo?: number;
  sort: SortKey;
  order: "asc" | "desc";
  page: number;
  pageSize: number;
}

/** One row of the search (and the head of the detail): the user, their 2FA state, roles and teams. */
export interface UserItemRow {
  id: string;
  email: string;
  name: string | null;
  emailVerifiedAt: number | null;
  disabledAt: number | null;
  lockedUntil: number | null;
  createdAt: number;
  lastLoginAt: number | null;
  mfa: number;
  roles: string | null;
  /** JSON array of `{ id, slug, role }`. */
  teams: string;
}

const ITEM_COLUMNS = `u.id, u.email, u.name, u.email_verified_at AS emailVerifiedAt, u.disabled_at AS disabledAt,
  u.locked_until AS lockedUntil, u.created_at AS createdAt, u.last_login_at AS lastLoginAt,
  EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = u.id) AS mfa,
  (SELECT group_concat(r.role) FROM user_platform_roles r WHERE r.user_id = u.id) AS roles,
  (SELECT json_group_array(json_object('id', t.id, 'slug', t.slug, 'role', ro.name))
     FROM memberships ms JOIN teams t ON t.id = ms.team_id JOIN roles ro ON ro.id = ms.role_id
     WHERE ms.user_id = u.id) AS teams`;

/** ORDER BY of each sort key: the indexed expression itself, so SQLite walks the index instead of sorting. */
const SORT_SQL: Record<SortKey, string> = {
  createdAt: "u.created_at",
  email: "u.email",
  name: "lower(u.name)",
  lastLoginAt: "u.last_login_at",
};

/**
 * The smallest string greater than every string starting with `prefix` (its last code unit + 1): `x >= p AND
 * x < next(p)` is a prefix match SQLite runs as an index range (LIKE would not use a BINARY index).
 */
export function prefixUpperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** SQLite's lower() folds ASCII letters only; the search folds the query the same way (docs/admin.md). */
export function asciiLower(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function whereOf(search: UserSearch, now: number): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (search.q) {
    const q = asciiLower(search.q);
    const upper = prefixUpperBound(q);
    // Two index ranges (users_email_unique, users_name_lower_idx) joined by SQLite's OR optimisation.
    clauses.push("((u.email >= ? AND u.email < ?) OR (lower(u.name) >= ? AND lower(u.name) < ?))");
    params.push(q, upper, q, upper);
  }
  // Both terms imply their partial index's condition (users_disabled_idx, users_locked_until_idx).
  // (NULL-safe: `locked_until > ?` is NULL, not false, for a NULL column — hence the coalesce when negated.)
  const notLocked = "u.disabled_at IS NULL AND coalesce(u.locked_until, 0) <= ?";
  if (search.status === "locked") {
    // Driven from the two partial indexes (the locked few), not by walking the sort index for them.
    clauses.push(
      "u.id IN (SELECT l.id FROM users l WHERE l.disabled_at IS NOT NULL UNION ALL SELECT l.id FROM users l WHERE l.locked_until > ?)",
    );
    params.push(now);
  } else if (search.status === "unverified") {
    clauses.push(`u.email_verified_at IS NULL AND ${notLocked}`);
    params.push(now);
  } else if (search.status === "active") {
    clauses.push(`u.email_verified_at IS NOT NULL AND ${notLocked}`);
    params.push(now);
  }
  if (search.platformRole) {
    clauses.push("u.id IN (SELECT r.user_id FROM user_platform_roles r WHERE r.role = ?)");
    params.push(search.platformRole);
  }
  if (search.teamId) {
    // The memberships primary key (team_id, user_id) answers this from the team's side.
    clauses.push("u.id IN (SELECT ms.user_id FROM memberships ms WHERE ms.team_id = ?)");
    params.push(search.teamId);
  }
  if (search.createdFrom !== undefined) {
    clauses.push("u.created_at >= ?");
    params.push(search.createdFrom);
  }
  if (search.createdTo !== undefined) {
    clauses.push("u.created_at <= ?");
    params.push(search.createdTo);
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

/** The SQL of one search: the page and the total, with their parameters (exported for the query-plan test). */
export function searchStatements(search: UserSearch, now: number) {
  const where = whereOf(search, now);
  const dir = search.order === "asc" ? "ASC" : "DESC";
  return {
    page: {
      sql: `SELECT ${ITEM_COLUMNS} FROM users u ${where.sql}
         ORDER BY ${SORT_SQL[search.sort]} ${dir}, u.id ${dir} LIMIT ? OFFSET ?`,
      params: [...where.params, search.pageSize, (search.page - 1) * search.pageSize],
    },
    count: { sql: `SELECT count(*) AS total FROM users u ${where.sql}`, params: where.params },
  };
}

/** One page of the search and the total, in one D1 batch (one round trip). */
export async function searchUsers(
  db: Db,
  search: UserSearch,
  now: number,
): Promise<{ rows: UserItemRow[]; total: number }> {
  const { page, count } = searchStatements(search, now);
  const d1 = db.$client;
  const [rows, total] = await d1.batch([
    d1.prepare(page.sql).bind(...page.params),
    d1.prepare(count.sql).bind(...count.params),
  ]);
  return {
    rows: (rows?.results ?? []) as UserItemRow[],
    total: Number((total?.results?.[0] as { total?: number } | undefined)?.total ?? 0),
  };
}

export async function userItemById(db: Db, userId: string): Promise<UserItemRow | null> {
  return db.$client.prepare(`SELECT ${ITEM_COLUMNS} FROM users u WHERE u.id = ?`).bind(userId).first();
}

/** The latest audit entries about a user (as actor or target), with the actor's address: two index ranges. */
export async function auditAboutUser(db: Db, userId: string, limit: number) {
  const { results } = await db.$client
    .prepare(
      `SELECT a.*, actor.email AS actorEmail FROM (
         SELECT * FROM (SELECT * FROM audit_logs WHERE actor_id = ?1 ORDER BY at DESC LIMIT ?2)
         UNION
         SELECT * FROM (SELECT * FROM audit_logs WHERE target_id = ?1 ORDER BY at DESC LIMIT ?2)
       ) a LEFT JOIN users actor ON actor.id = a.actor_id
       ORDER BY a.at DESC, a.id DESC LIMIT ?2`,
    )
    .bind(userId, limit)
    .all<{
      id: string;
      at: number;
      actor_id: string | null;
      actorEmail: string | null;
      action: string;
      target_type: string | null;
      target_id: string | null;
      team_id: string | null;
      ip: string | null;
      user_agent: string | null;
      reason: string | null;
      metadata: string;
    }>();
  return results;
}

export function findTarget(db: Db, userId: string) {
  return db
    .select({ id: users.id, email: users.email, name: users.name, emailVerifiedAt: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.id, userId))
    .get();
}

// ── Guards that hold inside the batch ────────────────────────────────────────────────────────────────────────

/** An active (not locked) platform admin `userId`, other than `except`, as an SQL condition. */
function activeAdmin(match: SQL): SQL {
  return sql`EXISTS (SELECT 1 FROM user_platform_roles gr JOIN users gu ON gu.id = gr.user_id
    WHERE gr.role = 'admin' AND gu.disabled_at IS NULL AND ${match})`;
}

/**
 * What must still hold when an admin acts on another account in a way that could leave no admin (changing roles,
 * locking, erasing): the actor is still an active admin — which also means an active admin other than the target
 * remains. Checked inside the change's own batch, so two admins demoting or locking each other at once cannot
 * both succeed.
 */
export function adminActionGuard(actorId: string, targetId: string): SQL {
  return sql`${actorId} <> ${targetId} AND ${activeAdmin(sql`gr.user_id = ${actorId}`)}`;
}

/** Erasure also needs: the user owns no team that has other members (checked in the batch too). */
export function ownsNoSharedTeam(userId: string): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM memberships om JOIN roles orl ON orl.id = om.role_id
    WHERE om.user_id = ${userId} AND orl.built_in = 'owner'
      AND EXISTS (SELECT 1 FROM memberships other WHERE other.team_id = om.team_id AND other.user_id <> ${userId}))`;
}

/** The guard of an erasure: the admin action guard, and no shared team owned by the user. */
export function erasureGuard(actorId: string, userId: string): SQL {
  return sql`(${adminActionGuard(actorId, userId)}) AND (${ownsNoSharedTeam(userId)})`;
}

/**
 * D1 has no ASSERT and no interactive transaction: unless `guard` holds, this statement sets the (NOT NULL)
 * email of the actor and the target to NULL, which fails and rolls back the whole batch it is part of — the
 * change, its audit entry and its mails alike. When the guard holds it matches no row and changes nothing.
 * Both rows are named because either may be gone (an admin erased by the other in a race), not both.
 */
export function abortUnless(db: Db, people: { actorId: string; targetId: string }, guard: SQL) {
  return db
    .update(users)
    .set({ email: sql`NULL` })
    .where(and(inArray(users.id, [people.actorId, people.targetId]), sql`NOT (${guard})`));
}

/** Whether a failed batch was rolled back by `abortUnless`. */
export function isGuardFailure(error: unknown): boolean {
  let e: unknown = error;
  for (let i = 0; e instanceof Error && i < 4; i++, e = e.cause) {
    if (/NOT NULL constraint failed: users\.email/.test(e.message)) return true;
  }
  return false;
}

/** Why a guard failed, read after the fact: an owned shared team, no other active admin, or the actor. */
export async function guardFailureReason(
  db: Db,
  input: { actorId: string; targetId: string; erasure?: boolean },
): Promise<"owns_shared_team" | "last_admin" | "forbidden"> {
  const row = await db.get<{ shared: number; others: number }>(
    sql`SELECT ${input.erasure ? sql`NOT ${ownsNoSharedTeam(input.targetId)}` : sql`0`} AS shared,
      ${activeAdmin(sql`gr.user_id <> ${input.targetId}`)} AS others`,
  );
  if (row?.shared) return "owns_shared_team";
  return row?.others ? "forbidden" : "last_admin";
}

// ── Account changes ──────────────────────────────────────────────────────────────────────────────────────────

export function lockStatement(db: Db, input: { userId: string; securityStamp: string; now: number }) {
  return db
    .update(users)
    .set({ disabledAt: input.now, securityStamp: input.securityStamp, updatedAt: input.now })
    .where(eq(users.id, input.userId));
}

/** Clears the admin lock and the login lockout (consecutive failures) alike. */
export function unlockStatement(db: Db, userId: string, now: number) {
  return db
    .update(users)
    .set({ disabledAt: null, lockedUntil: null, failedLoginCount: 0, updatedAt: now })
    .where(eq(users.id, userId));
}

export async function platformRolesOfUser(db: Db, userId: string): Promise<PlatformRole[]> {
  const rows = await db
    .select({ role: userPlatformRoles.role })
    .from(userPlatformRoles)
    .where(eq(userPlatformRoles.userId, userId));
  return rows.map((r) => r.role).sort();
}

/** The statements that make `roles` a user's complete set of platform roles. */
export function setPlatformRolesStatements(
  db: Db,
  input: { userId: string; roles: readonly PlatformRole[]; now: number },
) {
  const { userId, roles, now } = input;
  return [
    db
      .delete(userPlatformRoles)
      .where(
        and(
          eq(userPlatformRoles.userId, userId),
          roles.length > 0 ? notInArray(userPlatformRoles.role, [...roles]) : undefined,
        ),
      ),
    ...(roles.length > 0
      ? [
          db
            .insert(userPlatformRoles)
            .values(roles.map((role) => ({ userId, role, grantedAt: now })))
            .onConflictDoNothing(),
        ]
      : []),
  ];
}

// ── Erasure ──────────────────────────────────────────────────────────────────────────────────────────────────

/** The user's teams where they are the only member (deleted with them), and the Owner teams they share. */
export async function teamsOfErased(db: Db, userId: string) {
  const { results } = await db.$client
    .prepare(
      `SELECT ms.team_id AS teamId, t.slug AS slug, ro.built_in = 'owner' AS owner,
         (SELECT count(*) FROM memberships o WHERE o.team_id = ms.team_id) AS members
       FROM memberships ms JOIN teams t ON t.id = ms.team_id JOIN roles ro ON ro.id = ms.role_id
       WHERE ms.user_id = ?`,
    )
    .bind(userId)
    .all<{ teamId: string; slug: string; owner: number; members: number }>();
  return results;
}

/**
 * The statements of an erasure besides ending sessions (docs/admin.md "Erasure"). Audit entries about the user
 * stay (ids are kept: the user id becomes a pseudonym once the row is gone) but lose what identifies the person:
 * the address wherever it appears in metadata or a reason, the name where it is a whole metadata value (`:"…"`), and the
 * IP and user agent of entries the user caused themselves (as actor, or unattributed entries about them).
 * Invitations to the address and mails queued or kept for it go; the user row goes last (login activity,
 * memberships, 2FA, tokens, challenges, platform roles and their API keys cascade).
 */
export function erasureStatements(
  db: Db,
  input: { userId: string; email: string; name: string | null; soloTeamIds: readonly string[] },
) {
  const { userId, email, name } = input;
  const escapedEmail = JSON.stringify(email).slice(1, -1);
  const nameValue = name ? JSON.stringify(name) : null;
  const about = or(eq(auditLogs.actorId, userId), eq(auditLogs.targetId, userId));
  return [
    db
      .update(auditLogs)
      .set({
        metadata: nameValue
          ? sql`replace(replace(${auditLogs.metadata}, ${escapedEmail}, '[erased]'), ${`:${nameValue}`}, ':"[erased]"')`
          : sql`replace(${auditLogs.metadata}, ${escapedEmail}, '[erased]')`,
        reason: sql`replace(${auditLogs.reason}, ${email}, '[erased]')`,
        ip: sql`CASE WHEN ${auditLogs.actorId} IS NULL OR ${auditLogs.actorId} = ${userId} THEN NULL ELSE ${auditLogs.ip} END`,
        userAgent: sql`CASE WHEN ${auditLogs.actorId} IS NULL OR ${auditLogs.actorId} = ${userId} THEN NULL ELSE ${auditLogs.userAgent} END`,
      })
      .where(about),
    // Invitations of the address: their audit entries (target = the invitation) name it in metadata.
    db
      .update(auditLogs)
      .set({ metadata: sql`replace(${auditLogs.metadata}, ${escapedEmail}, '[erased]')` })
      .where(
        and(
          eq(auditLogs.targetType, "invitation"),
          inArray(auditLogs.targetId, sql`(SELECT i.id FROM invitations i WHERE i.email = ${email})`),
        ),
      ),
    db.delete(invitations).where(eq(invitations.email, email)),
    db.delete(emailOutbox).where(eq(emailOutbox.toAddress, email)),
    db.delete(devMailbox).where(eq(devMailbox.toAddress, email)),
    ...(input.soloTeamIds.length > 0
      ? [
          db
            .delete(teams)
            .where(
              and(
                inArray(teams.id, [...input.soloTeamIds]),
                sql`(SELECT count(*) FROM memberships m WHERE m.team_id = teams.id) = 1`,
              ),
            ),
        ]
      : []),
    db.delete(users).where(eq(users.id, userId)),
  ];
}
