import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { roles, teams, userMfa, users } from "../../db/tables";

/**
 * What GET /auth/me needs of D1, in one query (one round trip): the user, the token's team and its role of that
 * name (left joins: null when the token names none or they are gone), and whether 2FA is on.
 */
export function meOf(db: Db, input: { userId: string; teamId: string | null; roleName: string | null }) {
  const { userId, teamId, roleName } = input;
  return db
    .select({
      user: { id: users.id, email: users.email, name: users.name, emailVerifiedAt: users.emailVerifiedAt },
      teamId: teams.id,
      teamSlug: teams.slug,
      teamName: teams.name,
      roleId: roles.id,
      roleName: roles.name,
      mfaEnabled: sql<number>`exists (select 1 from ${userMfa} where ${userMfa.userId} = ${users.id})`,
    })
    .from(users)
    .leftJoin(teams, teamId === null ? sql`0` : eq(teams.id, teamId))
    .leftJoin(
      roles,
      teamId === null || roleName === null ? sql`0` : and(eq(roles.teamId, teamId), eq(roles.name, roleName)),
    )
    .where(eq(users.id, userId))
    .get();
}
