import type { Context } from "hono";
import { toBase64url } from "../crypto/encoding";
import { hashToken } from "../crypto/tokens";
import { readCookie, setDeviceCookie } from "./cookies";

/**
 * The device a request comes from: a long-lived random id in the `__Host-device` cookie (browsers), or the
 * `deviceId` a non-browser client got back from its first login and sends again. Logins, pre-auth tokens and
 * refresh tokens are bound to its SHA-256.
 */
const DEVICE_ID = /^[A-Za-z0-9_-]{22,64}$/;

export interface Device {
  id: string;
  hash: string;
}

export function deviceHash(deviceId: string): Promise<string> {
  return hashToken(`device:${deviceId}`);
}

/** The caller's device, or null when it presents none (or a malformed one). */
export async function presentedDevice(c: Context, bodyDeviceId?: string): Promise<Device | null> {
  const id = readCookie(c, "device") ?? bodyDeviceId;
  if (!id || !DEVICE_ID.test(id)) return null;
  return { id, hash: await deviceHash(id) };
}

/** The caller's device; a new one (and its cookie) when it has none. */
export async function ensureDevice(
  c: Context,
  random: (n: number) => Uint8Array,
  bodyDeviceId?: string,
): Promise<Device> {
  const existing = await presentedDevice(c, bodyDeviceId);
  if (existing) return existing;
  const id = toBase64url(random(24));
  setDeviceCookie(c, id);
  return { id, hash: await deviceHash(id) };
}
