import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./tables";

/** A statement D1 can run in a batch, and the results of a batch (for the unit of work). */
export type { BatchItem, BatchResponse } from "drizzle-orm/batch";

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

const cache = new WeakMap<D1Database, Db>();

/** One drizzle instance per D1 binding. */
export function getDb(d1: D1Database): Db {
  let db = cache.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    cache.set(d1, db);
  }
  return db;
}

/** True when a D1 error is a UNIQUE constraint violation (optionally on a given index/column). */
export function isUniqueViolation(error: unknown, needle?: string): boolean {
  const messages: string[] = [];
  let e: unknown = error;
  for (let i = 0; e && i < 4; i++) {
    if (e instanceof Error) {
      messages.push(e.message);
      e = e.cause;
    } else break;
  }
  const text = messages.join(" | ");
  return /UNIQUE constraint failed/i.test(text) && (!needle || text.includes(needle));
}
