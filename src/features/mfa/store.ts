import { and, count, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { recoveryCodes, userMfa } from "../../db/tables";

export type UserMfaRow = typeof userMfa.$inferSelect;

export function findUserMfa(db: Db, userId: string): Promise<UserMfaRow | undefined> {
  return db.select().from(userMfa).where(eq(userMfa.userId, userId)).get();
}

export function insertUserMfa(db: Db, row: typeof userMfa.$inferInsert) {
  return db.insert(userMfa).values(row);
}

export function deleteUserMfa(db: Db, userId: string) {
  return db.delete(userMfa).where(eq(userMfa.userId, userId));
}

export function insertRecoveryCodes(db: Db, userId: string, hashes: string[], now: number) {
  return db.insert(recoveryCodes).values(hashes.map((codeHash) => ({ codeHash, userId, createdAt: now })));
}

export function deleteRecoveryCodes(db: Db, userId: string) {
  return db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

/**
 * Accepts a TOTP time step only if it is newer than the last accepted one, in one conditional write: of ten
 * parallel submissions of one code exactly one passes, and an older code never does. A success also clears
 * the failure count and the CAPTCHA requirement.
 */
export async function acceptTotpCounter(db: Db, userId: string, counter: number): Promise<boolean> {
  const row = await db
    .update(userMfa)
    .set({ lastCounter: counter, failedCount: 0, lockedUntil: null, captchaRequired: false })
    .where(and(eq(userMfa.userId, userId), sql`${userMfa.lastCounter} < ${counter}`))
    .returning({ userId: userMfa.userId })
    .get();
  return Boolean(row);
}

/**
 * Spends a recovery code (once), found by any of its possible stored forms (`lookups`: under each configured
 * key, and the earlier format); on success clears the failure state like a good TOTP code.
 */
export async function useRecoveryCode(
  db: Db,
  input: { userId: string; lookups: readonly string[]; now: number },
): Promise<boolean> {
  const { userId, lookups, now } = input;
  const row = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        inArray(recoveryCodes.codeHash, [...lookups]),
        eq(recoveryCodes.userId, userId),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ codeHash: recoveryCodes.codeHash })
    .get();
  if (!row) return false;
  await db
    .update(userMfa)
    .set({ failedCount: 0, lockedUntil: null, captchaRequired: false })
    .where(eq(userMfa.userId, userId));
  return true;
}

export async function unusedRecoveryCodeCount(db: Db, userId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .get();
  return row?.n ?? 0;
}

/**
 * Records a wrong second-factor code atomically; the `threshold`-th in a row locks the second factor until
 * `lockUntil` and requires Turnstile afterwards.
 */
export function recordMfaFailure(db: Db, failure: { userId: string; threshold: number; lockUntil: number }) {
  const { userId, threshold, lockUntil } = failure;
  return db
    .update(userMfa)
    .set({
      failedCount: sql`${userMfa.failedCount} + 1`,
      lockedUntil: sql`CASE WHEN ${userMfa.failedCount} + 1 >= ${threshold} THEN ${lockUntil} ELSE ${userMfa.lockedUntil} END`,
      captchaRequired: sql`CASE WHEN ${userMfa.failedCount} + 1 >= ${threshold} THEN 1 ELSE ${userMfa.captchaRequired} END`,
    })
    .where(eq(userMfa.userId, userId))
    .returning({ failedCount: userMfa.failedCount, lockedUntil: userMfa.lockedUntil })
    .get();
}

export function resealUserMfaSecret(db: Db, userId: string, secret: string) {
  return db.update(userMfa).set({ secret }).where(eq(userMfa.userId, userId));
}

/** Second-factor secrets not sealed with the given (current) key id, for re-encryption after a key rotation. */
export function mfaSecretsNotUnderKey(db: Db, keyId: string, limit = 100) {
  return db
    .select({ userId: userMfa.userId, secret: userMfa.secret })
    .from(userMfa)
    .where(sql`${userMfa.secret} NOT LIKE ${`gh1.${keyId}.%`}`)
    .limit(limit);
}

/**
 * A TOTP enrolment in progress (enable-init → enable-complete): the new secret, sealed (AES-GCM, bound to this
 * key), in KV under `mfa-setup:<challengeId>` for 10 minutes.
 */
const SETUP_TTL_SECONDS = 600;

export function enrolmentKey(challengeId: string): string {
  return `mfa-setup:${challengeId}`;
}

export async function stashEnrolment(kv: KVNamespace, setup: { challengeId: string; sealed: string }) {
  await kv.put(enrolmentKey(setup.challengeId), setup.sealed, { expirationTtl: SETUP_TTL_SECONDS });
}

export function stashedEnrolment(kv: KVNamespace, challengeId: string): Promise<string | null> {
  return kv.get(enrolmentKey(challengeId));
}

export function forgetEnrolment(kv: KVNamespace, challengeId: string): Promise<void> {
  return kv.delete(enrolmentKey(challengeId));
}
