import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "./client";
import { loginEvents } from "./schema";

export type LoginEventRow = typeof loginEvents.$inferSelect;
export type LoginOutcome = LoginEventRow["outcome"];

export function insertLoginEvent(db: Db, row: typeof loginEvents.$inferInsert) {
  return db.insert(loginEvents).values(row);
}

/** Newest first; `before` is the cursor (an `at` value). */
export function loginEventsOf(
  db: Db,
  userId: string,
  limit: number,
  before?: number,
): Promise<LoginEventRow[]> {
  return db
    .select()
    .from(loginEvents)
    .where(and(eq(loginEvents.userId, userId), before !== undefined ? lt(loginEvents.at, before) : undefined))
    .orderBy(desc(loginEvents.at))
    .limit(limit);
}
