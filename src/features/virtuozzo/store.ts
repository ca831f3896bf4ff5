import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { virtuozzoConnections } from "../../db/tables";

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
