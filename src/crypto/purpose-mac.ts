import { utf8 } from "./encoding";
import type { EncryptionKey } from "./secretbox";

/**
 * A MAC under a key of its own purpose, derived from an ENCRYPTION_KEYS key: HMAC-SHA-256(key, purpose) is the
 * purpose's key, so recovery codes, abuse counters and whatever comes next never share one (a value MAC'd for one
 * purpose says nothing about another). Derived keys are cached per key and purpose for the isolate's life.
 */
const derived = new WeakMap<Uint8Array, Map<string, Promise<CryptoKey>>>();

function hmacKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

function purposeKey(key: EncryptionKey, purpose: string): Promise<CryptoKey> {
  let byPurpose = derived.get(key.key);
  if (!byPurpose) {
    byPurpose = new Map();
    derived.set(key.key, byPurpose);
  }
  let mac = byPurpose.get(purpose);
  if (!mac) {
    mac = hmacKey(key.key)
      .then((k) => crypto.subtle.sign("HMAC", k, utf8(purpose)))
      .then((bytes) => hmacKey(new Uint8Array(bytes)));
    byPurpose.set(purpose, mac);
  }
  return mac;
}

/** HMAC-SHA-256 of `message` under `key`'s derived key for `purpose` (32 bytes). */
export async function purposeMac(key: EncryptionKey, purpose: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await purposeKey(key, purpose), utf8(message)));
}
