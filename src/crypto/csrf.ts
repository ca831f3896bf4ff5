import { constantTimeEqual, fromBase64url, toBase64url, utf8 } from "./encoding";

/**
 * CSRF double-submit tokens bound to the session (OWASP CSRF Cheat Sheet, "signed double-submit cookie"):
 * `nonce.mac` with mac = HMAC-SHA256(key, "csrf:" + sessionId + ":" + nonce). A token minted for another
 * session, or forged without the key, does not verify — so an attacker who can plant a cookie still cannot
 * produce a matching header.
 */
const keyCache = new Map<string, Promise<CryptoKey>>();

/** The HMAC key, derived (HKDF-SHA256) from a master secret so no extra secret needs managing. */
export function csrfKey(master: Uint8Array, id: string): Promise<CryptoKey> {
  let key = keyCache.get(id);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8("gatehouse csrf v1") },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    keyCache.set(id, key);
  }
  return key;
}

async function mac(key: CryptoKey, sessionId: string, nonce: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(`csrf:${sessionId}:${nonce}`)));
}

export async function createCsrfToken(
  key: CryptoKey,
  sessionId: string,
  random: (n: number) => Uint8Array,
): Promise<string> {
  const nonce = toBase64url(random(16));
  return `${nonce}.${toBase64url(await mac(key, sessionId, nonce))}`;
}

export async function verifyCsrfToken(
  keys: readonly CryptoKey[],
  sessionId: string,
  token: string,
): Promise<boolean> {
  const [nonce, given, extra] = token.split(".");
  if (!nonce || !given || extra !== undefined || token.length > 200) return false;
  let givenBytes: Uint8Array;
  try {
    givenBytes = fromBase64url(given);
  } catch {
    return false;
  }
  for (const key of keys) {
    if (constantTimeEqual(await mac(key, sessionId, nonce), givenBytes)) return true;
  }
  return false;
}
