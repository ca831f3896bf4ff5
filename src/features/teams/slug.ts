/**
 * Team slugs: the team's URL name. Lower-case ASCII letters, digits and single hyphens, 3–48 characters,
 * starting and ending with a letter or digit, and not one of the reserved words (paths Gatehouse owns or
 * names that would mislead users).
 */
export const SLUG_MIN = 3;
export const SLUG_MAX = 48;

const RESERVED = new Set([
  "admin",
  "administrator",
  "api",
  "app",
  "auth",
  "billing",
  "dashboard",
  "dev",
  "docs",
  "gatehouse",
  "health",
  "help",
  "login",
  "logout",
  "new",
  "oauth",
  "oauth2",
  "register",
  "root",
  "security",
  "settings",
  "signup",
  "staff",
  "static",
  "support",
  "system",
  "teams",
  "www",
]);

export type SlugRejection = "too_short" | "too_long" | "invalid_characters" | "reserved";

export type SlugResult = { ok: true; value: string } | { ok: false; reason: SlugRejection };

export const SLUG_MESSAGES: Record<SlugRejection, string> = {
  too_short: `Use at least ${SLUG_MIN} characters.`,
  too_long: `Use at most ${SLUG_MAX} characters.`,
  invalid_characters:
    "Use lower-case letters, digits and single hyphens, starting and ending with a letter or digit.",
  reserved: "This name is reserved.",
};

export function validateSlug(slug: string): SlugResult {
  if (slug.length < SLUG_MIN) return { ok: false, reason: "too_short" };
  if (slug.length > SLUG_MAX) return { ok: false, reason: "too_long" };
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) return { ok: false, reason: "invalid_characters" };
  if (RESERVED.has(slug)) return { ok: false, reason: "reserved" };
  return { ok: true, value: slug };
}

/**
 * Derives a slug from a team name: NFKD, diacritics dropped, anything else non-alphanumeric becomes a hyphen.
 * Returns null when nothing usable remains (e.g. a name in a non-Latin script); callers then use a random slug.
 */
export function slugify(name: string): string | null {
  const base = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX)
    .replace(/-+$/g, "");
  if (base.length < SLUG_MIN) return null;
  return RESERVED.has(base) ? `${base}-team` : base;
}

/** Candidate slugs to try in order when the derived one is taken: `acme`, `acme-2`, … then random suffixes. */
export function slugCandidates(base: string, randomSuffix: () => string): string[] {
  const trimmed = (n: number) => base.slice(0, SLUG_MAX - n).replace(/-+$/g, "");
  const out = [base];
  for (let i = 2; i <= 5; i++) out.push(`${trimmed(String(i).length + 1)}-${i}`);
  for (let i = 0; i < 3; i++) {
    const suffix = randomSuffix();
    out.push(`${trimmed(suffix.length + 1)}-${suffix}`);
  }
  return out;
}
