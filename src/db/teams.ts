import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "./client";
import { memberships, roles, teamBilling, teams, users } from "./tables";

export type TeamRow = typeof teams.$inferSelect;
export type RoleRow = typeof roles.$inferSelect;

export function insertTeam(db: Db, row: typeof teams.$inferInsert) {
  return db.insert(teams).values(row);
}

export function insertRoles(db: Db, rows: (typeof roles.$inferInsert)[]) {
  return db.insert(roles).values(rows);
}

/**
 * A membership's next access stamp: now, and always above the previous one (a frozen or skewed clock, or two
 * changes within a millisecond, still retire the tokens minted under the old stamp).
 */
export function nextAccessStamp(now: number) {
  return sql<number>`MAX(${now}, ${memberships.accessStamp} + 1)`;
}

/** A new membership; its access stamp starts at the join (newer than any cut-off of an earlier membership). */
export function insertMembership(db: Db, row: typeof memberships.$inferInsert) {
  return db.insert(memberships).values({ ...row, accessStamp: row.accessStamp ?? row.joinedAt });
}

/**
 * Re-stamps the memberships of `userIds` in a team (a permission of their role was withdrawn, ownership moved):
 * tokens minted before `now` are then cut at the edge.
 */
export function restampMembershipsStatement(db: Db, teamId: string, userIds: readonly string[], now: number) {
  return db
    .update(memberships)
    .set({ accessStamp: nextAccessStamp(now) })
    .where(
      and(
        eq(memberships.teamId, teamId),
        // No one to re-stamp: a statement that matches nothing keeps the caller's batch shape.
        userIds.length === 0 ? sql`0` : inArray(memberships.userId, [...userIds]),
      ),
    )
    .returning({ userId: memberships.userId, accessStamp: memberships.accessStamp });
}

export function findTeamById(db: Db, id: string): Promise<TeamRow | undefined> {
  return db.select().from(teams).where(eq(teams.id, id)).get();
}

/** Which of the candidate slugs are already taken. */
export async function takenSlugs(db: Db, candidates: string[]): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const rows = await db.select({ slug: teams.slug }).from(teams).where(inArray(teams.slug, candidates));
  return new Set(rows.map((r) => r.slug));
}

export async function firstTeamOf(db: Db, userId: string): Promise<string | undefined> {
  const row = await db
    .select({ teamId: memberships.teamId })
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(memberships.joinedAt)
    .limit(1)
    .get();
  return row?.teamId;
}

export function rolesOfTeam(db: Db, teamId: string): Promise<RoleRow[]> {
  return db.select().from(roles).where(eq(roles.teamId, teamId));
}

/**
 * The teams a user belongs to, with their role in each (for `select_team`). Every selected column has its own
 * name (the role's is aliased), so the query can also run inside a D1 batch, whose rows are keyed by name.
 */
export function teamsOfUser(db: Db, userId: string) {
  return db
    .select({
      id: teams.id,
      slug: teams.slug,
      name: teams.name,
      role: sql<string>`${roles.name}`.as("role_name"),
    })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(eq(memberships.userId, userId))
    .orderBy(teams.name);
}

/** The teams a user belongs to with their role's id and name (GET /teams). */
export function teamsWithRoleOf(db: Db, userId: string) {
  return db
    .select({
      id: teams.id,
      slug: teams.slug,
      name: teams.name,
      roleId: roles.id,
      roleName: sql<string>`${roles.name}`.as("role_name"),
    })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(eq(memberships.userId, userId))
    .orderBy(teams.name, teams.id);
}

/** One membership with its role, or undefined when the user is not in the team. */
export function membershipOf(db: Db, userId: string, teamId: string) {
  return db
    .select({
      teamId: teams.id,
      teamSlug: teams.slug,
      teamName: teams.name,
      roleId: roles.id,
      roleName: roles.name,
      rolePermissions: roles.permissions,
      roleInherits: roles.inheritsRoleId,
      accessStamp: memberships.accessStamp,
      // The team's plan rides along (per-team budgets at session-exchange: no extra read on the hot path).
      plan: sql<string>`coalesce((SELECT ${teamBilling.plan} FROM ${teamBilling} WHERE ${teamBilling.teamId} = ${teams.id}), 'FREE')`,
    })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(and(eq(memberships.userId, userId), eq(memberships.teamId, teamId)))
    .get();
}

export function findRole(db: Db, teamId: string, roleId: string): Promise<RoleRow | undefined> {
  return db
    .select()
    .from(roles)
    .where(and(eq(roles.teamId, teamId), eq(roles.id, roleId)))
    .get();
}

export function updateTeam(db: Db, teamId: string, patch: { name?: string; slug?: string }, now: number) {
  return db
    .update(teams)
    .set({ ...patch, updatedAt: now })
    .where(eq(teams.id, teamId))
    .returning();
}

export function deleteTeamStatement(db: Db, teamId: string) {
  return db.delete(teams).where(eq(teams.id, teamId));
}

export function insertRole(db: Db, row: typeof roles.$inferInsert) {
  return db.insert(roles).values(row);
}

export function updateRoleStatement(
  db: Db,
  update: {
    teamId: string;
    roleId: string;
    patch: { name: string; permissions: string; inheritsRoleId: string | null };
    now: number;
  },
) {
  const { teamId, roleId, patch, now } = update;
  return db
    .update(roles)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(roles.teamId, teamId), eq(roles.id, roleId), isNull(roles.builtIn)));
}

/**
 * Deletes a custom role unless a member holds it or another role inherits it (checked in the same statement,
 * so a concurrent assignment cannot slip in between). Returns whether it was deleted.
 */
export async function deleteUnusedRole(db: Db, teamId: string, roleId: string): Promise<boolean> {
  const row = await db
    .delete(roles)
    .where(
      and(
        eq(roles.teamId, teamId),
        eq(roles.id, roleId),
        isNull(roles.builtIn),
        sql`NOT EXISTS (SELECT 1 FROM memberships m WHERE m.role_id = ${roleId})`,
        sql`NOT EXISTS (SELECT 1 FROM roles r2 WHERE r2.inherits_role_id = ${roleId})`,
      ),
    )
    .returning({ id: roles.id })
    .get();
  return row !== undefined;
}

/** The members of a team with their role, oldest first. */
export function membersOfTeam(db: Db, teamId: string) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      roleId: roles.id,
      roleName: sql<string>`${roles.name}`.as("role_name"),
      roleBuiltIn: roles.builtIn,
      joinedAt: memberships.joinedAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(eq(memberships.teamId, teamId))
    .orderBy(memberships.joinedAt, users.id);
}

export function findMember(db: Db, teamId: string, userId: string) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      roleId: roles.id,
      roleName: sql<string>`${roles.name}`.as("role_name"),
      roleBuiltIn: roles.builtIn,
      joinedAt: memberships.joinedAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)))
    .get();
}

/** Changes a member's role, never the Owner's and never to the Owner role (ownership moves by transfer only). */
export function setMemberRoleStatement(
  db: Db,
  change: { teamId: string; userId: string; roleId: string; now: number },
) {
  const { teamId, userId, roleId, now } = change;
  return db
    .update(memberships)
    .set({ roleId, accessStamp: nextAccessStamp(now) })
    .where(
      and(
        eq(memberships.teamId, teamId),
        eq(memberships.userId, userId),
        sql`NOT EXISTS (SELECT 1 FROM roles r WHERE r.id = memberships.role_id AND r.built_in = 'owner')`,
        sql`NOT EXISTS (SELECT 1 FROM roles r WHERE r.id = ${roleId} AND r.built_in = 'owner')`,
      ),
    )
    .returning({ userId: memberships.userId, accessStamp: memberships.accessStamp });
}

/** Removes a member, never the Owner. */
export function removeMemberStatement(db: Db, teamId: string, userId: string) {
  return db
    .delete(memberships)
    .where(
      and(
        eq(memberships.teamId, teamId),
        eq(memberships.userId, userId),
        sql`NOT EXISTS (SELECT 1 FROM roles r WHERE r.id = memberships.role_id AND r.built_in = 'owner')`,
      ),
    )
    .returning({ userId: memberships.userId, accessStamp: memberships.accessStamp });
}
