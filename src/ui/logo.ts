import { fromBase64 } from "../crypto/encoding";

/**
 * The configured logo (BRAND_LOGO): a `data:` URI of a PNG, SVG, WebP or JPEG image, at most MAX_LOGO_BYTES.
 * The Worker serves it from its own origin under a fingerprinted name (ui/assets.ts), so the pages' CSP needs
 * no third-party image source and the mails can point at `PUBLIC_ORIGIN` + the same path. An SVG served here is
 * still under the site's CSP (scripts only with a nonce it cannot have) and `nosniff`, and pages show it only
 * through `<img>`, where SVG scripts never run.
 */
export const MAX_LOGO_BYTES = 100 * 1024;

const TYPES = {
  "image/png": "png",
  "image/svg+xml": "svg",
  "image/webp": "webp",
  "image/jpeg": "jpg",
} as const;

export type LogoType = keyof typeof TYPES;

export interface Logo {
  type: LogoType;
  bytes: Uint8Array<ArrayBuffer>;
  /** `/assets/logo.<fingerprint>.<ext>`: a new image is a new URL, so the old one can be cached forever. */
  path: string;
}

/** FNV-1a (32 bit) over bytes, 8 hex digits (as ui/assets.ts fingerprints text). */
function fingerprint(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

export type LogoResult = { ok: true; logo: Logo } | { ok: false; reason: string };

/** Parses a BRAND_LOGO value; the reason names what is wrong (never echoing the value). */
export function parseLogo(value: string): LogoResult {
  const m = /^data:(image\/(?:png|svg\+xml|webp|jpeg));base64,([A-Za-z0-9+/]+={0,2})$/.exec(value.trim());
  if (!m) return { ok: false, reason: "must be a data: URI of a base64 PNG, SVG, WebP or JPEG image" };
  const type = m[1] as LogoType;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64(m[2] ?? "") as Uint8Array<ArrayBuffer>;
  } catch {
    return { ok: false, reason: "the base64 data does not decode" };
  }
  if (bytes.length === 0) return { ok: false, reason: "the image is empty" };
  if (bytes.length > MAX_LOGO_BYTES)
    return { ok: false, reason: `the image exceeds ${MAX_LOGO_BYTES} bytes` };
  return { ok: true, logo: { type, bytes, path: `/assets/logo.${fingerprint(bytes)}.${TYPES[type]}` } };
}

const cache = new Map<string, Logo>();

/** The parsed logo of a configuration value that already passed parseLogo (memoised per isolate). */
export function logoOf(value: string | undefined): Logo | null {
  if (value === undefined) return null;
  const hit = cache.get(value);
  if (hit) return hit;
  const parsed = parseLogo(value);
  if (!parsed.ok) return null;
  if (cache.size > 4) cache.clear();
  cache.set(value, parsed.logo);
  return parsed.logo;
}
