import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./client";
import { memberships, roles, teams } from "./schema";

export type TeamRow = typeof teams.$inferSelect;
export type RoleRow = typeof roles.$inferSelect;

export function insertTeam(db: Db, row: typeof teams.$inferInsert) {
  return db.insert(teams).values(row);
}

export function insertRoles(db: Db, rows: (typeof roles.$inferInsert)[]) {
  return db.insert(roles).values(rows);
}

export function insertMembership(db: Db, row: typeof memberships.$inferInsert) {
  return db.insert(memberships).values(row);
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
    })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(and(eq(memberships.userId, userId), eq(memberships.teamId, teamId)))
    .get();
}
