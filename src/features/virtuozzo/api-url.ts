/**
 * Which Virtuozzo API URLs Gatehouse will call (SSRF, OWASP ASVS 5.0 V1.3.6 / "server-side request forgery").
 * Pure: the caller passes the environment and the allow-list (`VIRTUOZZO_ALLOWED_HOSTS`).
 *
 * - https only; the host must match an allowed suffix (`.jelastic.com` matches `app.jelastic.com`, never
 *   `jelastic.com.evil.net`); an entry without a leading dot also matches the host itself. An empty list refuses
 *   every URL (production fails closed until the operator names its providers).
 * - never an IP literal in a private, loopback, link-local, CGNAT, unique-local, multicast or reserved range (v4
 *   and v6, IPv4-mapped and NAT64 included). The WHATWG URL parser turns `2130706433`, `0x7f.1` and `0177.0.0.1`
 *   into `127.0.0.1` before this check sees the host, so every spelling of an address is caught. An allowed
 *   public IP literal must be listed exactly (a suffix never matches an address).
 * - no user info, no fragment; the path, query and a trailing slash are dropped: the stored value is the origin.
 * - ENVIRONMENT development|test also allows `http(s)://127.0.0.1:<port>` and `http(s)://localhost:<port>` (a
 *   local fake: scripts/fake-virtuozzo.mjs), whatever the list says.
 *
 * DNS rebinding (an allowed name resolving to a private address) is out of reach here: a Worker cannot resolve
 * names, and Cloudflare's fetch does not reach private networks; the allow-list keeps the names trustworthy.
 */
export type ApiUrlRefusal =
  | "malformed"
  | "scheme"
  | "userinfo"
  | "fragment"
  | "private_address"
  | "host_not_allowed";

export type ApiUrlCheck = { ok: true; origin: string } | { ok: false; reason: ApiUrlRefusal };

export interface ApiUrlRules {
  environment: "development" | "test" | "production";
  /** Host suffixes (lower case); see the module comment. */
  allowedHosts: readonly string[];
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

export function checkApiUrl(raw: string, rules: ApiUrlRules): ApiUrlCheck {
  const text = raw.trim();
  if (!URL.canParse(text)) return { ok: false, reason: "malformed" };
  const url = new URL(text);
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "scheme" };
  if (url.username || url.password || /^[a-z]+:\/\/[^/?#]*@/i.test(text)) {
    return { ok: false, reason: "userinfo" };
  }
  if (text.includes("#")) return { ok: false, reason: "fragment" };
  const host = url.hostname.toLowerCase();
  if (!host) return { ok: false, reason: "malformed" };
  const local = rules.environment !== "production" && LOCAL_HOSTS.has(host);
  if (local) return { ok: true, origin: url.origin };
  if (url.protocol !== "https:") return { ok: false, reason: "scheme" };
  if (host === "localhost" || host.endsWith(".localhost")) return { ok: false, reason: "private_address" };
  const v4 = parseIpv4(host);
  const v6 = v4 ? null : parseIpv6(host);
  if (v4 && !isPublicIpv4(v4)) return { ok: false, reason: "private_address" };
  if (v6 && !isPublicIpv6(v6)) return { ok: false, reason: "private_address" };
  const allowed =
    v4 || v6 ? rules.allowedHosts.includes(host) : rules.allowedHosts.some((s) => hostMatches(host, s));
  if (!allowed) return { ok: false, reason: "host_not_allowed" };
  return { ok: true, origin: url.origin };
}

function hostMatches(host: string, suffix: string): boolean {
  if (suffix.startsWith(".")) return host.endsWith(suffix) && host.length > suffix.length;
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** Dotted-quad IPv4 (the URL parser has already normalised every other spelling) → 4 octets, else null. */
function parseIpv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function isPublicIpv4([a = 0, b = 0, c = 0]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127) return false; // "this network", private, loopback
  if (a === 100 && b >= 64 && b <= 127) return false; // CGNAT 100.64.0.0/10
  if (a === 169 && b === 254) return false; // link-local
  if (a === 172 && b >= 16 && b <= 31) return false; // private
  if (a === 192 && b === 168) return false; // private
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a >= 224) return false; // multicast, reserved, broadcast
  return true;
}

/** `[…]` IPv6 literal (as URL.hostname gives it) → 8 groups, else null. */
function parseIpv6(host: string): number[] | null {
  if (!host.startsWith("[") || !host.endsWith("]")) return null;
  let body = host.slice(1, -1);
  // A trailing dotted IPv4 (the parser normally rewrites it to hex, but be safe).
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted?.[1] && dotted[2]) {
    const v4 = parseIpv4(dotted[2]);
    if (!v4) return null;
    body = `${dotted[1]}${((v4[0] ?? 0) * 256 + (v4[1] ?? 0)).toString(16)}:${((v4[2] ?? 0) * 256 + (v4[3] ?? 0)).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.map((g) => Number.parseInt(g, 16));
}

function isPublicIpv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = [g6 >> 8, g6 & 255, g7 >> 8, g7 & 255];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    // ::, ::1, IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d): judged by the IPv4 inside
    if (g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return false;
    if (g5 === 0xffff || g5 === 0) return isPublicIpv4(embeddedV4);
    return false;
  }
  if (g0 === 0x64 && g1 === 0xff9b) return isPublicIpv4(embeddedV4); // NAT64 64:ff9b::/96 (and /48 local)
  if ((g0 & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return false; // site-local (deprecated) fec0::/10
  if ((g0 & 0xff00) === 0xff00) return false; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x2002) return isPublicIpv4([g1 >> 8, g1 & 255, g2 >> 8, g2 & 255]); // 6to4 embeds an IPv4
  if (g0 === 0x2001 && g1 === 0) return false; // Teredo (embeds an obfuscated IPv4)
  return true;
}
