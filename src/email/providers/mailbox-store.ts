import { desc, eq, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { devMailbox } from "../../db/tables";

export type DevMailRow = typeof devMailbox.$inferSelect;

/** Idempotent on the outbox id: a redelivered mail is stored once. */
export async function storeDevMail(db: Db, row: typeof devMailbox.$inferInsert): Promise<void> {
  await db.insert(devMailbox).values(row).onConflictDoNothing();
}

export function listDevMail(db: Db, to: string | undefined, limit = 200): Promise<DevMailRow[]> {
  const query = db.select().from(devMailbox);
  return (to ? query.where(eq(devMailbox.toAddress, to)) : query)
    .orderBy(desc(devMailbox.createdAt))
    .limit(limit);
}

export function pruneDevMail(db: Db, olderThan: number) {
  return db.delete(devMailbox).where(lt(devMailbox.createdAt, olderThan));
}
