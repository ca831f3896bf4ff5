import { toBase64url, toHex, utf8 } from "./encoding";

/** 32 random bytes (256 bits), base64url without padding: the form of every mailed one-time token. */
export function generateToken(random: (length: number) => Uint8Array, bytes = 32): string {
  if (bytes < 16) throw new TypeError("a token needs at least 128 bits");
  return toBase64url(random(bytes));
}

/**
 * SHA-256 of a token, hex. Tokens are stored and looked up only by this hash, so a leaked database row
 * cannot be replayed (ASVS V3.5; RFC 9700 §4.14 for refresh tokens).
 */
export async function hashToken(token: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(token))));
}

/** A syntactic check before any lookup: base64url of 16..64 bytes. */
export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{22,86}$/.test(token);
}
