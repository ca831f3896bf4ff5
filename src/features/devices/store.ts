import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deviceChallenges, deviceCodeGuards } from "../../db/tables";

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
  attempt: { challengeId: string; codeHash: string; now: number; maxAttempts: number },
): Promise<boolean> {
  const { challengeId: id, codeHash, now, maxAttempts } = attempt;
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

/** Until when the user's device approval is locked (null when it is not). */
export async function deviceApprovalLockedUntil(db: Db, userId: string): Promise<number | null> {
  const row = await db
    .select({ lockedUntil: deviceCodeGuards.lockedUntil })
    .from(deviceCodeGuards)
    .where(eq(deviceCodeGuards.userId, userId))
    .get();
  return row?.lockedUntil ?? null;
}

/**
 * Counts one wrong device code for the user in one upsert (D1 runs statements one at a time, so parallel
 * guesses all count): a fixed window of `windowMs` restarts once it is over; the failure that reaches
 * `threshold` locks until `now + lockMs` (a lock in force is not extended). Answers the new count and lock.
 */
export function recordWrongDeviceCode(
  db: Db,
  input: { userId: string; now: number; windowMs: number; threshold: number; lockMs: number },
) {
  const { userId, now, windowMs, threshold, lockMs } = input;
  const g = deviceCodeGuards;
  const expired = sql`${g.windowStart} <= ${now - windowMs}`;
  const next = sql`CASE WHEN ${expired} THEN 1 ELSE ${g.failures} + 1 END`;
  return db
    .insert(g)
    .values({ userId, windowStart: now, failures: 1, lockedUntil: threshold <= 1 ? now + lockMs : null })
    .onConflictDoUpdate({
      target: g.userId,
      set: {
        failures: next,
        windowStart: sql`CASE WHEN ${expired} THEN ${now} ELSE ${g.windowStart} END`,
        lockedUntil: sql`CASE WHEN ${next} >= ${threshold} AND (${g.lockedUntil} IS NULL OR ${g.lockedUntil} <= ${now}) THEN ${now + lockMs} ELSE ${g.lockedUntil} END`,
      },
    })
    .returning({ failures: g.failures, lockedUntil: g.lockedUntil })
    .get();
}

/**
 * Trusted devices, in KV: one record per user and device (`trusted:<userId>:<deviceHash>`, 90 days), with the
 * record also stored as the key's metadata so a user's list is one `list` by prefix. A device is identified to
 * the user by its hash (the device id itself never leaves the device's cookie).
 */
export const TRUSTED_TTL_SECONDS = 90 * 86400;
const TOUCH_EVERY_MS = 3600_000;

export interface TrustedDevice {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number;
}

type Meta = Omit<TrustedDevice, "id">;

const key = (userId: string, deviceHash: string) => `trusted:${userId}:${deviceHash}`;

export async function trustedDevice(
  kv: KVNamespace,
  userId: string,
  deviceHash: string,
): Promise<TrustedDevice | null> {
  const meta = await kv.get<Meta>(key(userId, deviceHash), "json");
  return meta ? { id: deviceHash, ...meta } : null;
}

export async function trustDevice(
  kv: KVNamespace,
  device: { userId: string; deviceHash: string; name: string; now: number; createdAt?: number },
): Promise<void> {
  const { now } = device;
  const meta: Meta = { name: device.name.slice(0, 100), createdAt: device.createdAt ?? now, lastUsedAt: now };
  await kv.put(key(device.userId, device.deviceHash), JSON.stringify(meta), {
    expirationTtl: TRUSTED_TTL_SECONDS,
    metadata: meta,
  });
}

/** Records a use (at most hourly: KV allows about one write per second per key, and the list needs no more). */
export async function touchTrustedDevice(
  kv: KVNamespace,
  use: { userId: string; device: TrustedDevice; now: number },
): Promise<void> {
  const { device, now } = use;
  if (now - device.lastUsedAt < TOUCH_EVERY_MS) return;
  await trustDevice(kv, {
    userId: use.userId,
    deviceHash: device.id,
    name: device.name,
    now,
    createdAt: device.createdAt,
  });
}

export async function listTrustedDevices(kv: KVNamespace, userId: string): Promise<TrustedDevice[]> {
  const out: TrustedDevice[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list<Meta>({ prefix: `trusted:${userId}:`, cursor });
    for (const k of page.keys) {
      if (k.metadata) out.push({ id: k.name.slice(`trusted:${userId}:`.length), ...k.metadata });
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
}

export async function revokeTrustedDevice(
  kv: KVNamespace,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(deviceId)) return false;
  const existing = await kv.get(key(userId, deviceId));
  if (existing === null) return false;
  await kv.delete(key(userId, deviceId));
  return true;
}
