import { and, desc, eq, gt, inArray, lt } from "drizzle-orm";
import type { Db } from "./client";
import { loginEvents } from "./tables";

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

/** How many earlier successful logins the risk check compares against (their countries and networks). */
export const RISK_BASELINE_LOGINS = 50;

/**
 * The earlier successful logins of a user, newest first — the baseline of the suspicious-login check. Meant to
 * run in the same batch as the login's own records, before the new event is inserted.
 */
export function recentSuccessesQuery(db: Db, userId: string) {
  return db
    .select({
      at: loginEvents.at,
      country: loginEvents.country,
      asn: loginEvents.asn,
      latitude: loginEvents.latitude,
      longitude: loginEvents.longitude,
    })
    .from(loginEvents)
    .where(and(eq(loginEvents.userId, userId), eq(loginEvents.outcome, "success")))
    .orderBy(desc(loginEvents.at))
    .limit(RISK_BASELINE_LOGINS);
}

/** Times of failed attempts since `since` (newest first, bounded), for the failure-burst rule. */
export function recentFailuresQuery(db: Db, userId: string, since: number) {
  return db
    .select({ at: loginEvents.at })
    .from(loginEvents)
    .where(
      and(
        eq(loginEvents.userId, userId),
        inArray(loginEvents.outcome, ["failure", "locked"]),
        gt(loginEvents.at, since),
      ),
    )
    .orderBy(desc(loginEvents.at))
    .limit(100);
}

export function setLoginEventOutcome(db: Db, id: string, outcome: LoginOutcome, reason: string | null) {
  return db.update(loginEvents).set({ outcome, reason }).where(eq(loginEvents.id, id));
}

export function findLoginEvent(db: Db, id: string): Promise<LoginEventRow | undefined> {
  return db.select().from(loginEvents).where(eq(loginEvents.id, id)).get();
}
