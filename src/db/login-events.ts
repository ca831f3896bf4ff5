import { and, desc, eq, gt, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { loginEvents, users } from "./tables";

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

/** A user id, or the id of the account with an address (a subquery: NULL when there is none). */
type UserRef = string | { email: string };

function userIdOf(ref: UserRef): string | SQL {
  return typeof ref === "string"
    ? ref
    : sql`(SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${ref.email})`;
}

/**
 * The earlier successful logins of a user, newest first — the baseline of the risk engine
 * (features/login/risk/signals.ts). Meant to run in the same batch as the login's other reads, before the new
 * event is inserted.
 */
export function recentSuccessesQuery(db: Db, user: UserRef) {
  return db
    .select({
      at: loginEvents.at,
      country: loginEvents.country,
      asn: loginEvents.asn,
      latitude: loginEvents.latitude,
      longitude: loginEvents.longitude,
    })
    .from(loginEvents)
    .where(and(eq(loginEvents.userId, userIdOf(user)), eq(loginEvents.outcome, "success")))
    .orderBy(desc(loginEvents.at))
    .limit(RISK_BASELINE_LOGINS);
}

/** Times of failed attempts since `since` (newest first, bounded), for the failure-burst rule. */
export function recentFailuresQuery(db: Db, user: UserRef, since: number) {
  return db
    .select({ at: loginEvents.at })
    .from(loginEvents)
    .where(
      and(
        eq(loginEvents.userId, userIdOf(user)),
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

/**
 * The password step's one read before the password is checked: the account with the address and the baseline
 * of the risk engine (its recent successes, and its failures since `failuresSince`), in one D1 round trip. The
 * same three statements run whether or not the address exists (no timing difference); an unknown address reads
 * no login rows (the subquery is NULL).
 */
export async function loginLookup(db: Db, email: string, failuresSince: number) {
  const [found, successes, failures] = await db.batch([
    db.select().from(users).where(eq(users.email, email)).limit(1),
    recentSuccessesQuery(db, { email }),
    recentFailuresQuery(db, { email }, failuresSince),
  ]);
  return { user: found[0], successes, failures };
}

/** The risk baseline of a login lookup: recent successes (newest first) and failures in the window. */
export type BaselineRows = Pick<Awaited<ReturnType<typeof loginLookup>>, "successes" | "failures">;

/** A row's recorded risk evaluation (`risk_score`, `risk_reasons`), or null when none was recorded. */
export function riskOfLoginEvent(row: Pick<LoginEventRow, "riskScore" | "riskReasons">): {
  score: number;
  reasons: string[];
} | null {
  if (row.riskScore === null) return null;
  let reasons: string[] = [];
  try {
    const parsed: unknown = row.riskReasons ? JSON.parse(row.riskReasons) : [];
    if (Array.isArray(parsed)) reasons = parsed.filter((r): r is string => typeof r === "string");
  } catch {
    reasons = [];
  }
  return { score: row.riskScore, reasons };
}
