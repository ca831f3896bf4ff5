import { dictionary } from "@zxcvbn-ts/language-common";

/**
 * Password policy per NIST SP 800-63B §3.1.1.2 and OWASP ASVS V6.2: length only (8–128 characters after
 * NFKC normalisation), no composition rules, and a block-list of common passwords (zxcvbn-ts's ~49,000
 * common passwords) and of the account's own email address. The breach check (HIBP) is a separate, network
 * step: see features/passwords/breached.ts.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** Raw input longer than this is refused before any normalisation or hashing work. */
export const PASSWORD_MAX_INPUT = 1024;

export type PasswordRejection = "too_short" | "too_long" | "common" | "contains_email" | "breached";

export const PASSWORD_MESSAGES: Record<PasswordRejection, string> = {
  too_short: `Use at least ${PASSWORD_MIN_LENGTH} characters.`,
  too_long: `Use at most ${PASSWORD_MAX_LENGTH} characters.`,
  common: "This password is too common. Choose a less predictable one.",
  contains_email: "The password must not contain your email address.",
  breached: "This password has appeared in a data breach. Choose a different one.",
};

export type PasswordPolicyResult = { ok: true; value: string } | { ok: false; reason: PasswordRejection };

let commonPasswords: Set<string> | undefined;

/** The block-list, built on first use (the dictionary ships compressed). */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary["passwords-common"]);
  return commonPasswords.has(password.toLowerCase());
}

export function commonPasswordCount(): number {
  isCommonPassword("");
  return commonPasswords?.size ?? 0;
}

/** NFKC, so that the same password typed on different keyboards/OSes (NFC vs NFD) hashes the same. */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/**
 * Checks a password against the policy. Returns the normalised password to hash on success.
 * `email` must already be normalised (see platform/email-address.ts).
 */
export function checkPasswordPolicy(
  password: string,
  context: { email?: string } = {},
): PasswordPolicyResult {
  if (password.length > PASSWORD_MAX_INPUT) return { ok: false, reason: "too_long" };
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return { ok: false, reason: "too_short" };
  if (length > PASSWORD_MAX_LENGTH) return { ok: false, reason: "too_long" };
  if (isCommonPassword(normalized)) return { ok: false, reason: "common" };
  if (context.email && containsEmail(normalized, context.email))
    return { ok: false, reason: "contains_email" };
  return { ok: true, value: normalized };
}

function containsEmail(password: string, email: string): boolean {
  const lower = password.toLowerCase();
  if (lower.includes(email)) return true;
  const local = email.split("@")[0] ?? "";
  return local.length >= 4 && lower.includes(local);
}
