/** Small byte helpers shared by the crypto modules (Uint8Array in, Uint8Array or string out). */
import {
  decodeBase64,
  decodeBase64urlIgnorePadding,
  encodeBase64urlNoPadding,
  encodeHexLowerCase,
} from "@oslojs/encoding";

const encoder = new TextEncoder();

export function utf8(value: string): Uint8Array {
  return encoder.encode(value);
}

export function toHex(bytes: Uint8Array): string {
  return encodeHexLowerCase(bytes);
}

export function toBase64url(bytes: Uint8Array): string {
  return encodeBase64urlNoPadding(bytes);
}

export function fromBase64url(value: string): Uint8Array {
  return decodeBase64urlIgnorePadding(value);
}

/** Standard base64 with padding (RFC 4648 §4); throws on malformed input. */
export function fromBase64(value: string): Uint8Array {
  return decodeBase64(value);
}

/** Constant-time equality of two byte strings (length is not secret): @oslojs/crypto's. */
export { constantTimeEqual } from "@oslojs/crypto/subtle";
