import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "./client";
import { actionTokens } from "./tables";

export type ActionTokenPurpose = (typeof actionTokens.$inferSelect)["purpose"];

/** An unconsumed, unexpired token of the purpose. */
function liveToken(tokenHash: string, purpose: ActionTokenPurpose, now: number) {
  return and(
    eq(actionTokens.tokenHash, tokenHash),
    eq(actionTokens.purpose, purpose),
    isNull(actionTokens.consumedAt),
    gt(actionTokens.expiresAt, now),
  );
}

export function insertActionToken(db: Db, row: typeof actionTokens.$inferInsert) {
  return db.insert(actionTokens).values(row);
}

/**
 * Consumes a token in one conditional write: only an unconsumed, unexpired token of the right purpose
 * matches, so two concurrent uses cannot both succeed. Returns the owner, or undefined.
 */
export async function consumeActionToken(
  db: Db,
  tokenHash: string,
  purpose: ActionTokenPurpose,
  now: number,
): Promise<string | undefined> {
  const row = await db
    .update(actionTokens)
    .set({ consumedAt: now })
    .where(liveToken(tokenHash, purpose, now))
    .returning({ userId: actionTokens.userId })
    .get();
  return row?.userId;
}

/** Voids every other outstanding token of a purpose for a user (e.g. after verification succeeds). */
export function voidActionTokens(db: Db, userId: string, purpose: ActionTokenPurpose, now: number) {
  return db
    .update(actionTokens)
    .set({ consumedAt: now })
    .where(
      and(
        eq(actionTokens.userId, userId),
        eq(actionTokens.purpose, purpose),
        isNull(actionTokens.consumedAt),
      ),
    );
}

/** A live (unconsumed, unexpired) token's owner, without consuming it. */
export async function liveActionTokenOwner(
  db: Db,
  tokenHash: string,
  purpose: ActionTokenPurpose,
  now: number,
): Promise<string | undefined> {
  const row = await db
    .select({ userId: actionTokens.userId })
    .from(actionTokens)
    .where(liveToken(tokenHash, purpose, now))
    .get();
  return row?.userId;
}
