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
  userId: string,
  deviceHash: string,
  name: string,
  now: number,
  createdAt = now,
): Promise<void> {
  const meta: Meta = { name: name.slice(0, 100), createdAt, lastUsedAt: now };
  await kv.put(key(userId, deviceHash), JSON.stringify(meta), {
    expirationTtl: TRUSTED_TTL_SECONDS,
    metadata: meta,
  });
}

/** Records a use (at most hourly: KV allows about one write per second per key, and the list needs no more). */
export async function touchTrustedDevice(
  kv: KVNamespace,
  userId: string,
  device: TrustedDevice,
  now: number,
): Promise<void> {
  if (now - device.lastUsedAt < TOUCH_EVERY_MS) return;
  await trustDevice(kv, userId, device.id, device.name, now, device.createdAt);
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
