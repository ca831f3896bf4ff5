import { toHex } from "../../crypto/encoding";
import { purposeMac } from "../../crypto/purpose-mac";
import type { EncryptionKey } from "../../crypto/secretbox";

/**
 * The keys the abuse monitor counts accounts and passwords by: HMAC-SHA-256 under a key derived from the
 * current ENCRYPTION_KEYS key — HMAC-SHA-256(key, "gatehouse abuse signals v1"), a separate key for a separate
 * purpose — truncated to 64 bits (accounts) or 96 bits (passwords). Never the password, never a plain hash of
 * it: a plain SHA-256 of a password is a dictionary lookup away from the password; this MAC cannot be tested
 * without the server's key, and 96 bits keep collisions between the few passwords a network tries negligible.
 * A key rotation only restarts the counts.
 */
const PURPOSE = "gatehouse abuse signals v1";

async function keyed(keys: readonly EncryptionKey[], message: string, bytes: number): Promise<string> {
  const current = keys[0];
  if (!current) throw new TypeError("no encryption key configured");
  return toHex((await purposeMac(current, PURPOSE, message)).slice(0, bytes));
}

/** The key of a normalised address (64 bits, hex). */
export function accountKey(keys: readonly EncryptionKey[], email: string): Promise<string> {
  return keyed(keys, `account:${email}`, 8);
}

/** The key of a (normalised) password tried at login (96 bits, hex). */
export function passwordKey(keys: readonly EncryptionKey[], password: string): Promise<string> {
  return keyed(keys, `password:${password}`, 12);
}
