import { fromBase64url, toBase64url } from "./encoding";

/**
 * Secrets at rest: AES-256-GCM under a versioned key. The sealed form is `gh1.<keyId>.<iv>.<ciphertext>`
 * (base64url), so keys rotate without a migration outage: new data is sealed with the current key, old data
 * opens with the key its id names, and `reseal` moves a value to the current key. `context` is bound as
 * additional authenticated data, so a ciphertext cannot be moved to another row or purpose.
 */
export interface EncryptionKey {
  id: string;
  key: Uint8Array;
}

const PREFIX = "gh1";
const keyCache = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function importKey(raw: Uint8Array): Promise<CryptoKey> {
  let key = keyCache.get(raw);
  if (!key) {
    if (raw.length !== 32) throw new TypeError("AES-256-GCM needs a 32-byte key");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(raw, key);
  }
  return key;
}

export async function seal(
  plaintext: Uint8Array,
  keys: readonly EncryptionKey[],
  context: string,
  random: (n: number) => Uint8Array,
): Promise<string> {
  const current = keys[0];
  if (!current) throw new TypeError("no encryption key configured");
  const iv = random(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await importKey(current.key),
    plaintext,
  );
  return `${PREFIX}.${current.id}.${toBase64url(iv)}.${toBase64url(new Uint8Array(ciphertext))}`;
}

/** Opens a sealed value; null when it is malformed, names an unknown key, or fails authentication. */
export async function open(
  sealed: string,
  keys: readonly EncryptionKey[],
  context: string,
): Promise<Uint8Array | null> {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX) return null;
  const entry = keys.find((k) => k.id === parts[1]);
  if (!entry) return null;
  try {
    const plaintext = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: fromBase64url(parts[2] as string),
        additionalData: new TextEncoder().encode(context),
      },
      await importKey(entry.key),
      fromBase64url(parts[3] as string),
    );
    return new Uint8Array(plaintext);
  } catch {
    return null;
  }
}

/** The key id a sealed value was made with (to find values that need re-encryption). */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 4 && parts[0] === PREFIX ? (parts[1] ?? null) : null;
}

/** Re-encrypts under the current key; returns the value unchanged when it already uses it. */
export async function reseal(
  sealed: string,
  keys: readonly EncryptionKey[],
  context: string,
  random: (n: number) => Uint8Array,
): Promise<string | null> {
  if (sealedKeyId(sealed) === keys[0]?.id) return sealed;
  const plaintext = await open(sealed, keys, context);
  return plaintext ? seal(plaintext, keys, context, random) : null;
}

export async function sealJson(
  value: unknown,
  keys: readonly EncryptionKey[],
  context: string,
  random: (n: number) => Uint8Array,
): Promise<string> {
  return seal(new TextEncoder().encode(JSON.stringify(value)), keys, context, random);
}

export async function openJson<T>(
  sealed: string,
  keys: readonly EncryptionKey[],
  context: string,
): Promise<T | null> {
  const bytes = await open(sealed, keys, context);
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as T) : null;
}
