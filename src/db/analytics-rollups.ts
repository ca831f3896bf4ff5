import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { analyticsDaily, sessions } from "./tables";

/** The daily rollup's counters (schema/analytics.ts) that single events bump. */
export type RollupCounter =
  | "loginSuccesses"
  | "loginFailures"
  | "suspiciousLogins"
  | "deviceApprovals"
  | "passwordResets"
  | "lockouts";

/** The UTC day (`YYYY-MM-DD`) of an epoch-milliseconds time: the rollup's key. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** One UPSERT adding 1 to each of `counters` in the row of `day` (created at zero when absent). */
export function bumpCountersStatement(db: Db, day: string, counters: readonly RollupCounter[]) {
  const t = analyticsDaily;
  const unique = [...new Set(counters)];
  return db
    .insert(t)
    .values({ day, ...Object.fromEntries(unique.map((c) => [c, 1])) })
    .onConflictDoUpdate({
      target: t.day,
      set: Object.fromEntries(unique.map((c) => [c, sql`${t[c]} + 1`])),
    });
}

/**
 * Adds one ended session and its duration (seconds, from its `created_at` to `endedAt`, or to its last use
 * when it ended by expiry) to the row of `day`. Reads the session row in the same statement, so it must run in
 * the batch of the change that ends it (the row is revoked there, not deleted); an unknown id adds nothing.
 */
export function addSessionEndStatement(
  db: Db,
  input: { day: string; sessionId: string; endedAt: number; untilLastUse: boolean },
) {
  const t = analyticsDaily;
  const s = sessions;
  const end = input.untilLastUse ? sql`${s.lastSeenAt}` : sql`${input.endedAt}`;
  // INSERT … SELECT lists every column of the table in order (drizzle's insert-select of raw SQL).
  return db
    .insert(t)
    .select(
      sql`SELECT ${input.day}, 0, 0, 0, 0, 0, 0, 1, CAST(MAX(0, ${end} - ${s.createdAt}) / 1000 AS INTEGER) FROM ${s} WHERE ${s.id} = ${input.sessionId}`,
    )
    .onConflictDoUpdate({
      target: t.day,
      set: {
        sessionEnds: sql`${t.sessionEnds} + 1`,
        sessionSeconds: sql`${t.sessionSeconds} + excluded.session_seconds`,
      },
    });
}
