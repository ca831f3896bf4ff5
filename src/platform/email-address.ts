/**
 * Email addresses are compared in one canonical form: Unicode NFKC, trimmed, lower-cased. Two registrations
 * that differ only in normalisation form (NFC vs NFD) or case are the same account.
 */
export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

/** Permissive, Unicode-aware syntax check (RFC 6531 addresses), applied after normalisation. */
export function isValidEmail(email: string): boolean {
  if (email.length > 254) return false;
  const at = email.lastIndexOf("@");
  if (at < 1 || at > 64) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (
    /[\s"<>(),;:@\\[\]]/u.test(local) ||
    local.startsWith(".") ||
    local.endsWith(".") ||
    local.includes("..")
  ) {
    return false;
  }
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  return labels.every((l) => /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u.test(l));
}
