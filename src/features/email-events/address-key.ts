import { toHex } from "../../crypto/encoding";
import { purposeMac } from "../../crypto/purpose-mac";
import type { EncryptionKey } from "../../crypto/secretbox";
import { normalizeEmail } from "../../platform/email-address";

/**
 * How the suppression list names an address without holding it: HMAC-SHA-256 of the normalised address under a
 * key derived from an ENCRYPTION_KEYS key (crypto/purpose-mac.ts, purpose "gatehouse email suppressions v1"),
 * stored as `<key id>:<hex>` so a key rotation keeps old entries found while the old key stays configured. A
 * database dump alone cannot test guesses of addresses against it.
 */
const PURPOSE = "gatehouse email suppressions v1";

async function keyUnder(key: EncryptionKey, address: string): Promise<string> {
  return `${key.id}:${toHex(await purposeMac(key, PURPOSE, normalizeEmail(address)))}`;
}

/** The stored form, under the current key (the first of ENCRYPTION_KEYS). */
export function suppressionKey(keys: readonly EncryptionKey[], address: string): Promise<string> {
  const current = keys[0];
  if (!current) throw new TypeError("no encryption key configured");
  return keyUnder(current, address);
}

/** Every stored form the address may have: one per configured key. */
export function suppressionLookups(keys: readonly EncryptionKey[], address: string): Promise<string[]> {
  return Promise.all(keys.map((key) => keyUnder(key, address)));
}
