import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deviceChallenges } from "../../db/schema/identity";

export type DeviceChallengeRow = typeof deviceChallenges.$inferSelect;

export function insertDeviceChallenge(db: Db, row: typeof deviceChallenges.$inferInsert) {
  return db.insert(deviceChallenges).values(row);
}

export function findDeviceChallenge(db: Db, id: string): Promise<DeviceChallengeRow | undefined> {
  return db.select().from(deviceChallenges).where(eq(deviceChallenges.id, id)).get();
}

/**
 * Spends the challenge if the code hash matches, in one conditional write (usable, unexpired, under the attempt
 * limit): a code works once.
 */
export async function consumeDeviceChallenge(
  db: Db,
  id: string,
  codeHash: string,
  now: number,
  maxAttempts: number,
): Promise<boolean> {
  const row = await db
    .update(deviceChallenges)
    .set({ consumedAt: now })
    .where(
      and(
        eq(deviceChallenges.id, id),
        eq(deviceChallenges.codeHash, codeHash),
        isNull(deviceChallenges.consumedAt),
        gt(deviceChallenges.expiresAt, now),
        lt(deviceChallenges.attempts, maxAttempts),
      ),
    )
    .returning({ id: deviceChallenges.id })
    .get();
  return Boolean(row);
}

/** Counts a wrong code; returns the attempts so far (the challenge is void at the limit). */
export async function recordDeviceChallengeFailure(db: Db, id: string): Promise<number> {
  const row = await db
    .update(deviceChallenges)
    .set({ attempts: sql`${deviceChallenges.attempts} + 1` })
    .where(and(eq(deviceChallenges.id, id), isNull(deviceChallenges.consumedAt)))
    .returning({ attempts: deviceChallenges.attempts })
    .get();
  return row?.attempts ?? Number.MAX_SAFE_INTEGER;
}
