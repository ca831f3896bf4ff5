import { and, asc, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type SigningKeyState, signingKeys } from "../../db/tables";

/**
 * The signing-keys feature's D1 reads and writes. Every state change is a conditional UPDATE (the state it
 * expects is in its WHERE), and the partial unique indexes allow one `next` and one `current`: two cron runs or
 * a cron run and an admin rotation racing each other change the state once.
 */

export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type NewSigningKey = typeof signingKeys.$inferInsert;

/** Every key that is not retired or revoked (what gets published), next/current/previous. */
export function liveKeys(db: Db): Promise<SigningKeyRow[]> {
  return db
    .select()
    .from(signingKeys)
    .where(inArray(signingKeys.state, ["next", "current", "previous"]))
    .orderBy(asc(signingKeys.createdAt));
}

/** Every key with its dates (the admin list), newest first; bounded. */
export function allKeys(db: Db, limit = 200): Promise<SigningKeyRow[]> {
  return db.select().from(signingKeys).orderBy(sql`${signingKeys.createdAt} desc`).limit(limit);
}

export async function keyByKid(db: Db, kid: string): Promise<SigningKeyRow | undefined> {
  const [row] = await db.select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1);
  return row;
}

export async function countKeys(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(signingKeys);
  return row?.n ?? 0;
}

/** Inserts a key unless its kid exists or (a unique index) its state's one slot is taken; true if inserted. */
export async function insertKeyIfFree(db: Db, key: NewSigningKey): Promise<boolean> {
  const rows = await db
    .insert(signingKeys)
    .values(key)
    .onConflictDoNothing()
    .returning({ kid: signingKeys.kid });
  return rows.length === 1;
}

/**
 * Promotion as two statements for one batch: the current key (if any) becomes previous only while `next` is
 * still next, then `next` becomes current only while no key is current. A concurrent promotion makes both
 * match nothing; the second statement's row count says whether this one won.
 */
export function promoteStatements(
  db: Db,
  input: { currentKid: string | null; nextKid: string; now: number },
) {
  const nextStillNext = sql`exists (select 1 from ${signingKeys} where ${signingKeys.kid} = ${input.nextKid} and ${signingKeys.state} = 'next')`;
  const demote = db
    .update(signingKeys)
    .set({ state: "previous", deactivatedAt: input.now })
    .where(and(eq(signingKeys.kid, input.currentKid ?? ""), eq(signingKeys.state, "current"), nextStillNext));
  const promote = db
    .update(signingKeys)
    .set({ state: "current", activatedAt: input.now })
    .where(
      and(
        eq(signingKeys.kid, input.nextKid),
        eq(signingKeys.state, "next"),
        sql`not exists (select 1 from ${signingKeys} where ${signingKeys.state} = 'current')`,
      ),
    )
    .returning({ kid: signingKeys.kid });
  return [demote, promote] as const;
}

/** Marks a key revoked if it is in one of `from` (never `current`: promote first). */
export function revokeStatement(db: Db, kid: string, from: readonly SigningKeyState[], now: number) {
  return db
    .update(signingKeys)
    .set({ state: "revoked", revokedAt: now, privateJwk: null })
    .where(and(eq(signingKeys.kid, kid), inArray(signingKeys.state, [...from])))
    .returning({ kid: signingKeys.kid });
}

/** Replaces a sealed private JWK only if it is still the value that was read (compare-and-set). */
export function resealStatement(db: Db, kid: string, from: string, to: string) {
  return db
    .update(signingKeys)
    .set({ privateJwk: to })
    .where(and(eq(signingKeys.kid, kid), eq(signingKeys.privateJwk, from)));
}

/** Previous keys that stopped signing at or before `cutoff`: every token they signed has expired. */
export function retireStatement(db: Db, cutoff: number, now: number) {
  return db
    .update(signingKeys)
    .set({ state: "retired", retiredAt: now, privateJwk: null })
    .where(and(eq(signingKeys.state, "previous"), lte(signingKeys.deactivatedAt, cutoff)))
    .returning({ kid: signingKeys.kid });
}

/** Retired and revoked keys past retention, oldest first, a bounded batch (housekeeping). */
export async function deleteOldKeys(db: Db, cutoff: number, batchSize: number): Promise<number> {
  const rows = await db
    .select({ kid: signingKeys.kid })
    .from(signingKeys)
    .where(
      and(
        inArray(signingKeys.state, ["retired", "revoked"]),
        isNotNull(sql`coalesce(${signingKeys.retiredAt}, ${signingKeys.revokedAt})`),
        lte(sql`coalesce(${signingKeys.retiredAt}, ${signingKeys.revokedAt})`, cutoff),
      ),
    )
    .limit(batchSize);
  if (rows.length === 0) return 0;
  const deleted = await db
    .delete(signingKeys)
    .where(
      and(
        inArray(
          signingKeys.kid,
          rows.map((r) => r.kid),
        ),
        inArray(signingKeys.state, ["retired", "revoked"]),
      ),
    )
    .returning({ kid: signingKeys.kid });
  return deleted.length;
}
