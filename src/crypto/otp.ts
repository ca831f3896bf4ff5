/**
 * TOTP second factor (RFC 6238 over RFC 4226 HOTP, HMAC-SHA-1) and one-time recovery codes.
 * Time always comes from the caller's injected clock: `@oslojs/otp`'s `generateTOTP`/`verifyTOTP` read
 * `Date.now()` themselves, so only its HOTP primitives are used here.
 */
import { encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { generateHOTP, verifyHOTP } from "@oslojs/otp";
import { renderSVG } from "uqr";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** RFC 4226 §4 R6 recommends 160 bits; authenticator apps expect exactly this for SHA-1. */
export const TOTP_SECRET_BYTES = 20;
/** RFC 4226 §4 R6: the shared secret MUST be at least 128 bits. */
const MIN_SECRET_BYTES = 16;
/** Longest window accepted; RFC 6238 §5.2 recommends at most one step of network delay. */
const MAX_WINDOW = 10;

/**
 * Crockford-style alphabet without the look-alikes 0/O, 1/I/L. That leaves 31 symbols, not 32, so
 * sampling needs rejection; 12 symbols carry log2(31^12) ≈ 59.4 bits.
 */
export const RECOVERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const RECOVERY_CODE_LENGTH = 12;
const RECOVERY_CODE_GROUP = 4;
const MAX_RECOVERY_CODES = 100;
/** Bounds the rejection loops so a broken random source fails loudly instead of spinning. */
const MAX_RANDOM_DRAWS = 64;
/** Inputs longer than this cannot be a code with any amount of spacing; reject before any work. */
const MAX_CODE_INPUT_LENGTH = 64;

function assertSecret(secret: Uint8Array): void {
  if (secret.length < MIN_SECRET_BYTES) throw new TypeError("a TOTP secret needs at least 128 bits");
}

function assertDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new TypeError("digits must be an integer from 6 to 8");
  }
}

function assertCounter(counter: number): void {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new TypeError("counter must be a non-negative safe integer");
  }
}

/**
 * RFC 6238 §4.2 time step T = floor((now − T0) / X) with T0 = 0, for a time in epoch milliseconds taken
 * from the injected clock (never `Date.now()` here).
 */
export function totpCounter(nowMs: number, periodSeconds = TOTP_PERIOD_SECONDS): number {
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new TypeError("nowMs must be a non-negative finite number");
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw new TypeError("periodSeconds must be a positive integer");
  }
  return Math.floor(nowMs / (periodSeconds * 1000));
}

/** A fresh 160-bit shared secret (RFC 4226 §4 R6), to be stored encrypted, never in clear. */
export function generateTotpSecret(random: (n: number) => Uint8Array): Uint8Array {
  const secret = random(TOTP_SECRET_BYTES);
  if (secret.length !== TOTP_SECRET_BYTES) throw new TypeError("random source returned the wrong length");
  return secret;
}

/** HOTP(secret, counter) with dynamic truncation (RFC 4226 §5.3), zero-padded to `digits`. */
export function totpCode(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  assertSecret(secret);
  assertDigits(digits);
  assertCounter(counter);
  return generateHOTP(secret, BigInt(counter), digits);
}

/**
 * Checks a code against the time steps now − window … now + window (default ±1: RFC 6238 §5.2 allows one
 * step of delay; the forward step tolerates a slow server clock). Every candidate is compared in constant
 * time and all are compared, so timing does not reveal which step matched. Returns the matching time step —
 * the caller must store it and refuse any step ≤ the stored one (RFC 6238 §5.2: a code is used once) — or
 * null. Spaces are ignored; anything that is not then exactly `digits` ASCII digits is rejected unhashed.
 */
export function matchTotp(
  secret: Uint8Array,
  code: string,
  nowMs: number,
  options: { window?: number; digits?: number } = {},
): number | null {
  const digits = options.digits ?? TOTP_DIGITS;
  const window = options.window ?? 1;
  assertSecret(secret);
  assertDigits(digits);
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new TypeError(`window must be an integer from 0 to ${MAX_WINDOW}`);
  }
  const now = totpCounter(nowMs);
  if (code.length > MAX_CODE_INPUT_LENGTH) return null;
  const candidate = code.replace(/\s/g, "");
  if (candidate.length !== digits || !/^[0-9]+$/.test(candidate)) return null;

  let matched: number | null = null;
  for (let counter = Math.max(0, now - window); counter <= now + window; counter++) {
    // No early exit. On the (1-in-10^digits) chance two steps share a code, the later step wins, which
    // is the stricter value for the caller's replay check.
    if (verifyHOTP(secret, BigInt(counter), digits, candidate)) matched = counter;
  }
  return matched;
}

/**
 * `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30` (Google Authenticator
 * Key Uri Format). Built here rather than with oslo's `createTOTPKeyURI`, whose `URLSearchParams` writes a
 * space in the issuer as `+`, which some authenticator apps display literally; RFC 3986 `%20` is what the
 * format specifies. The format forbids a colon in either name, so that is a TypeError.
 */
export function totpUri(secret: Uint8Array, issuer: string, accountName: string): string {
  assertSecret(secret);
  if (issuer === "" || accountName === "") throw new TypeError("issuer and account name must not be empty");
  if (issuer.includes(":") || accountName.includes(":")) {
    throw new TypeError("issuer and account name must not contain a colon");
  }
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    `secret=${base32Secret(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    "algorithm=SHA1",
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}

/**
 * The text as a QR code in SVG, rendered on the server so the secret never reaches a third-party service.
 * The output is only a `<rect>` and one `<path>`: no text, scripts or external references. Error correction
 * M and a 4-module quiet zone (ISO/IEC 18004) keep it scannable from a screen.
 */
export function qrSvg(text: string): string {
  return renderSVG(text, { ecc: "M", border: 4 });
}

/** RFC 4648 §6 base32, upper case, without padding: the `secret` parameter and the manual-entry form. */
export function base32Secret(secret: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(secret);
}

/**
 * `length` symbols drawn uniformly from RECOVERY_CODE_ALPHABET: each byte's low 5 bits give 0–31 and the one
 * value past the alphabet is rejected and redrawn, so there is no modulo bias. (Not @oslojs/crypto's
 * `generateRandomString`: it redraws without bound, so a broken random source would hang the request instead
 * of failing, and it makes one draw per symbol.)
 */
function randomAlphabetString(random: (n: number) => Uint8Array, length: number): string {
  let out = "";
  for (let draw = 0; out.length < length; draw++) {
    if (draw === MAX_RANDOM_DRAWS) throw new Error("random source keeps returning unusable bytes");
    for (const byte of random(length - out.length)) {
      const symbol = RECOVERY_CODE_ALPHABET[byte & 0x1f];
      if (symbol !== undefined) out += symbol;
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * `count` distinct single-use recovery codes shown in groups of four (e.g. `K7QX-M2PZ-R9TB`), each ≈ 59 bits. ASVS 4.0 V2.6.2
 * accepts look-up secrets under 112 bits only if each is stored salted and hashed: store only such hashes of
 * the normalizeRecoveryCode form, never the codes.
 */
export function generateRecoveryCodes(random: (n: number) => Uint8Array, count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_RECOVERY_CODES) {
    throw new TypeError(`count must be an integer from 1 to ${MAX_RECOVERY_CODES}`);
  }
  const codes = new Set<string>();
  for (let attempt = 0; codes.size < count; attempt++) {
    if (attempt === count + MAX_RANDOM_DRAWS) throw new Error("random source keeps repeating itself");
    const raw = randomAlphabetString(random, RECOVERY_CODE_LENGTH);
    const groups: string[] = [];
    for (let i = 0; i < raw.length; i += RECOVERY_CODE_GROUP)
      groups.push(raw.slice(i, i + RECOVERY_CODE_GROUP));
    codes.add(groups.join("-"));
  }
  return [...codes];
}

/**
 * The canonical form to hash and compare: separators (hyphens, whitespace) removed and upper-cased. There is
 * no confusable mapping because none is safe: 0, O, 1, I and L are all outside the alphabet, so a code that
 * contains one (or any other character) is invalid → null, as is a wrong length.
 */
export function normalizeRecoveryCode(input: string): string | null {
  if (input.length > MAX_CODE_INPUT_LENGTH) return null;
  const compact = input.replace(/[\s-]/g, "");
  // ASCII-only check before toUpperCase, which maps e.g. "ß" to "SS" and "ı" to "I".
  if (!/^[2-9A-HJKMNP-Za-hjkmnp-z]+$/.test(compact) || compact.length !== RECOVERY_CODE_LENGTH) return null;
  return compact.toUpperCase();
}

/** Whether an input on the second-factor form is a recovery code rather than a 6–8 digit TOTP code. */
export function isRecoveryCodeShape(input: string): boolean {
  return normalizeRecoveryCode(input) !== null;
}
