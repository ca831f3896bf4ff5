import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { memberships, roles, teamBilling, teams, users } from "../../db/tables";

/** The team's plan column (`FREE` without a billing row) and name; undefined when the team does not exist. */
export function teamPlan(db: Db, teamId: string) {
  return db
    .select({
      name: teams.name,
      plan: sql<string>`coalesce((SELECT ${teamBilling.plan} FROM ${teamBilling} WHERE ${teamBilling.teamId} = ${teams.id}), 'FREE')`,
    })
    .from(teams)
    .where(eq(teams.id, teamId))
    .get();
}

/** The team's Owner (address and name) with the team's name, for the budget mail. */
export function teamOwner(db: Db, teamId: string) {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, teamName: teams.name })
    .from(memberships)
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .where(and(eq(memberships.teamId, teamId), eq(roles.builtIn, "owner")))
    .get();
}
