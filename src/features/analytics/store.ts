import { and, asc, gte, lte } from "drizzle-orm";
import type { Db } from "../../db/client";
import { analyticsDaily } from "../../db/tables";

export type DailyRollup = typeof analyticsDaily.$inferSelect;

/** The rollup rows of the UTC days `from`..`to` (inclusive, `YYYY-MM-DD`): at most one per day, by primary key. */
export function rollupsBetween(db: Db, from: string, to: string): Promise<DailyRollup[]> {
  return db
    .select()
    .from(analyticsDaily)
    .where(and(gte(analyticsDaily.day, from), lte(analyticsDaily.day, to)))
    .orderBy(asc(analyticsDaily.day));
}
