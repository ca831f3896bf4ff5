import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { emailEvents, emailSuppressions } from "../../db/tables";

/** The suppression list's and the webhook events' queries (docs/email-delivery.md). */
export type SuppressionRow = typeof emailSuppressions.$inferSelect;

/** The entry naming the address under any of its keyed hashes (one per configured encryption key). */
export function findSuppression(db: Db, hashes: readonly string[]): Promise<SuppressionRow | undefined> {
  return db
    .select()
    .from(emailSuppressions)
    .where(inArray(emailSuppressions.addressHash, [...hashes]))
    .get();
}

export function insertSuppression(db: Db, row: typeof emailSuppressions.$inferInsert) {
  return db
    .insert(emailSuppressions)
    .values(row)
    .onConflictDoUpdate({
      target: emailSuppressions.addressHash,
      set: { events: sql`${emailSuppressions.events} + 1`, updatedAt: row.updatedAt },
    });
}

/** One more hard bounce or complaint for an address already suppressed. */
export function countSuppressionEvent(db: Db, id: string, now: number) {
  return db
    .update(emailSuppressions)
    .set({ events: sql`${emailSuppressions.events} + 1`, updatedAt: now })
    .where(eq(emailSuppressions.id, id));
}

/** Newest first, keyset on (created_at, id). */
export function suppressionPage(
  db: Db,
  input: { after: { at: number; id: string } | null; limit: number },
): Promise<SuppressionRow[]> {
  const { after, limit } = input;
  const query = db.select().from(emailSuppressions);
  return (
    after
      ? query.where(
          or(
            lt(emailSuppressions.createdAt, after.at),
            and(eq(emailSuppressions.createdAt, after.at), lt(emailSuppressions.id, after.id)),
          ),
        )
      : query
  )
    .orderBy(desc(emailSuppressions.createdAt), desc(emailSuppressions.id))
    .limit(limit);
}

export function findSuppressionById(db: Db, id: string): Promise<SuppressionRow | undefined> {
  return db.select().from(emailSuppressions).where(eq(emailSuppressions.id, id)).get();
}

export function deleteSuppression(db: Db, id: string) {
  return db.delete(emailSuppressions).where(eq(emailSuppressions.id, id));
}

export function findEvent(db: Db, provider: string, eventId: string) {
  return db
    .select({ type: emailEvents.type })
    .from(emailEvents)
    .where(and(eq(emailEvents.provider, provider), eq(emailEvents.eventId, eventId)))
    .get();
}

/** A plain insert: a concurrent redelivery of the same event fails the batch instead of applying it twice. */
export function insertEvent(db: Db, row: typeof emailEvents.$inferInsert) {
  return db.insert(emailEvents).values(row);
}

/** Forgets handled events older than `before`, at most `limit` of them (each webhook call trims a little). */
export function pruneEvents(db: Db, before: number, limit: number) {
  return db.run(
    sql`DELETE FROM ${emailEvents} WHERE rowid IN (SELECT rowid FROM ${emailEvents} WHERE ${emailEvents.receivedAt} < ${before} LIMIT ${limit})`,
  );
}
