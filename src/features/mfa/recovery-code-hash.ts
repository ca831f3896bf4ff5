import { toHex } from "../../crypto/encoding";
import { purposeMac } from "../../crypto/purpose-mac";
import type { EncryptionKey } from "../../crypto/secretbox";
import { hashToken } from "../../crypto/tokens";

/**
 * How recovery codes are stored: HMAC-SHA-256 under a server secret, so that a database dump alone cannot test
 * guesses (a code has about 59 bits; a plain SHA-256 of it could be searched offline). The HMAC key is derived
 * from an ENCRYPTION_KEYS key — HMAC-SHA-256(key, "gatehouse recovery codes v1"), a separate key for a separate
 * purpose — and the stored form `<key id>:<hex>` names it, so a key rotation keeps old codes valid as long as
 * the old key stays configured. Codes are found by their hash (an indexed lookup, no comparison in our code).
 * Rows of the earlier format (plain hex SHA-256 of the same message) still verify until used or replaced.
 */
const PURPOSE = "gatehouse recovery codes v1";

/** The user binds the code: the same code of two users never has the same hash. `code` is normalised. */
function message(input: { userId: string; code: string }): string {
  return `recovery:${input.userId}:${input.code}`;
}

async function macUnder(key: EncryptionKey, input: { userId: string; code: string }): Promise<string> {
  return `${key.id}:${toHex(await purposeMac(key, PURPOSE, message(input)))}`;
}

/** The stored form of a (normalised) recovery code: under the current key, the first of ENCRYPTION_KEYS. */
export function recoveryCodeHash(
  keys: readonly EncryptionKey[],
  input: { userId: string; code: string },
): Promise<string> {
  const current = keys[0];
  if (!current) throw new TypeError("no encryption key configured");
  return macUnder(current, input);
}

/** Every stored form the code may have: under each configured key, then the earlier plain SHA-256. */
export async function recoveryCodeLookups(
  keys: readonly EncryptionKey[],
  input: { userId: string; code: string },
): Promise<string[]> {
  return Promise.all([...keys.map((key) => macUnder(key, input)), hashToken(message(input))]);
}
