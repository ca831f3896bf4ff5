import { constantTimeEqual, fromBase64url, toBase64url, utf8 } from "../crypto/encoding";
import type { ClientInfo } from "../platform/client";
import type { RequestContext } from "../platform/context";
import type { AuthError } from "../platform/errors";
import { ipNetworkPrefix } from "../platform/rate-limits";

/**
 * Session binding (../shared/API.md "Risk, session binding and step-up"; docs/session-binding.md): a session
 * records at creation the client's user-agent family (browser + OS, never versions: an update must not end a
 * session), the /24 (IPv4) or /48 (IPv6) of its address, its ASN and its country. A refresh, and every request
 * carrying one of its access tokens, must come from a client the deployment's policy (`SESSION_BINDING`)
 * accepts:
 *
 * - `strict`: the same UA family and the same network prefix;
 * - `mobile` (default): the same UA family, and the same ASN or the same country (a phone moving between cells
 *   and Wi-Fi keeps working). Where neither can be compared — the session was created without them, or the
 *   request lacks them (development, tests, a request Cloudflare could not place) — the prefix decides, as
 *   under `strict`;
 * - `off`: no check.
 *
 * What was not recorded is not enforced: a session from before this feature (no UA family) is not bound, one
 * created without a parseable address has no prefix to compare. The user agent is client-supplied, so the UA
 * family only stops the careless thief; the network is what Cloudflare saw and cannot be forged.
 */
export type BindingPolicy = "strict" | "mobile" | "off";

export interface SessionBinding {
  /** `browser/os`, e.g. `chrome/windows`, `safari/ios`, `curl/other`. */
  uaFamily: string;
  /** `203.0.113.0/24` or `2001:db8:1::/48`; null when the address does not parse. */
  netPrefix: string | null;
  asn: number | null;
  country: string | null;
}

/** Why a request broke its session's binding (the audit metadata and the login activity's reason). */
export type BindingMismatch = "ua_family" | "net_prefix" | "network";

export type BindingCheck = { ok: true } | { ok: false; reason: BindingMismatch };

const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, "edge"],
  [/\bOPR\/|\bOPT\/|\bOPX\/|\bOpera\b/, "opera"],
  [/\bSamsungBrowser\//, "samsung"],
  [/\bYaBrowser\//, "yandex"],
  [/\bFirefox\/|\bFxiOS\//, "firefox"],
  // Android WebView marks itself `; wv)`; an iOS in-app WKWebView has AppleWebKit but no `Safari/` token.
  [/; wv\)/, "webview"],
  [/\bCriOS\/|\bChrome\/|\bChromium\//, "chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "safari"],
  [/\b(?:iPhone|iPad|iPod)\b.*\bAppleWebKit\/(?!.*\bSafari\/)/, "webview"],
  [/^curl\//i, "curl"],
  [/\bnode-fetch\b|\bundici\b|\baxios\b|^node\b/i, "node"],
  [/\bpython-requests\b|\bpython-httpx\b|\baiohttp\b|\bPython-urllib\b/i, "python"],
  [/\bGo-http-client\b/, "go"],
  [/\bokhttp\b/i, "okhttp"],
  [/\bPostmanRuntime\//, "postman"],
];

const SYSTEMS: readonly [RegExp, string][] = [
  [/\bWindows\b/, "windows"],
  // Before macOS: iOS user agents say "like Mac OS X". An iPad asking for desktop sites sends a Macintosh UA.
  [/\biPad\b/, "ipados"],
  [/\biPhone\b|\biPod\b/, "ios"],
  // Before Linux: Android user agents say "Linux; Android".
  [/\bAndroid\b/, "android"],
  [/\bCrOS\b/, "chromeos"],
  [/\bMac OS X\b|\bMacintosh\b/, "macos"],
  [/\bLinux\b|\bX11\b/, "linux"],
];

/**
 * The user-agent family `browser/os` a session is bound to: browser and operating system, no versions. Chrome,
 * Edge, Opera, Samsung Internet and Yandex are told apart (all Chromium, each names itself); Android WebView
 * and iOS in-app browsers are `webview`; API clients (curl, Node, Python, Go, OkHttp, Postman) name their
 * tool with OS `other`; anything else, and an empty user agent, is `other/other`.
 */
export function uaFamily(userAgent: string | null | undefined): string {
  const ua = (userAgent ?? "").slice(0, 512).trim();
  if (ua === "") return "other/other";
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? "other";
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? "other";
  return `${browser}/${os}`;
}

/**
 * The network prefix a `strict` session is bound to: an IPv4 address's /24, an IPv6 address's /48 (a site's
 * allocation, RFC 6177; compressed, expanded and zone-id forms alike), an IPv4-mapped IPv6 address as its IPv4
 * /24; null when it does not parse. The parsing is rate-limits.ts's (`ipNetworkPrefix`).
 */
export function networkPrefix(ip: string | null | undefined): string | null {
  return ip ? ipNetworkPrefix(ip) : null;
}

/** The binding of a client, as recorded at session creation and compared on refresh and at the edge. */
export function bindingOf(client: Pick<ClientInfo, "userAgent" | "ip" | "asn" | "country">): SessionBinding {
  return {
    uaFamily: uaFamily(client.userAgent),
    netPrefix: networkPrefix(client.ip),
    asn: client.asn,
    country: client.country,
  };
}

/** The binding a session row recorded; null for a session created before binding existed (not bound). */
export function recordedBinding(row: {
  uaFamily: string | null;
  netPrefix: string | null;
  asn: number | null;
  country: string | null;
}): SessionBinding | null {
  if (row.uaFamily === null) return null;
  return { uaFamily: row.uaFamily, netPrefix: row.netPrefix, asn: row.asn, country: row.country };
}

/**
 * What a check compares, each answer `true` (same), `false` (different) or `null` (cannot compare: a side
 * lacks it). Both the plain check and the edge's hashed one reduce to this, so they cannot disagree.
 */
interface Comparison {
  uaFamily: boolean;
  asn: boolean | null;
  country: boolean | null;
  /** null when the session recorded no prefix (nothing to hold it to). */
  netPrefix: boolean | null;
}

function decide(policy: BindingPolicy, same: Comparison): BindingCheck {
  if (policy === "off") return { ok: true };
  if (!same.uaFamily) return { ok: false, reason: "ua_family" };
  if (policy === "mobile") {
    if (same.asn === true || same.country === true) return { ok: true };
    if (same.asn === false || same.country === false) return { ok: false, reason: "network" };
  }
  return same.netPrefix === false ? { ok: false, reason: "net_prefix" } : { ok: true };
}

function compare<T>(recorded: T | null, current: T | null): boolean | null {
  return recorded === null || current === null ? null : recorded === current;
}

/** Whether `current` keeps to the binding a session `recorded`, under `policy`. */
export function checkBinding(
  policy: BindingPolicy,
  recorded: SessionBinding,
  current: SessionBinding,
): BindingCheck {
  return decide(policy, {
    uaFamily: recorded.uaFamily === current.uaFamily,
    asn: compare(recorded.asn, current.asn),
    country: compare(recorded.country, current.country),
    netPrefix: recorded.netPrefix === null ? null : recorded.netPrefix === current.netPrefix,
  });
}

// ---------------------------------------------------------------------------------------------------------
// The access token's `bnd` claim: the recorded binding, hashed, so the edge checks it with no storage read.

/** A master secret (ENCRYPTION_KEYS entry) the claim's HMAC key is derived from. */
export interface BindingKeySource {
  id: string;
  key: Uint8Array;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA256 key derived (HKDF) from an ENCRYPTION_KEYS secret: no new secret to manage. Cached per isolate. */
function bindingKey(source: BindingKeySource): Promise<CryptoKey> {
  let key = keyCache.get(source.id);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", source.key, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: utf8("gatehouse session binding v1"),
        },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    keyCache.set(source.id, key);
  }
  return key;
}

/** 48 bits of HMAC: the edge compares, nobody can compute one without the key, and 2^-48 is no collision risk. */
const TAG_BYTES = 6;
type Part = "u" | "n" | "a" | "c";

async function tag(key: CryptoKey, sid: string, part: Part, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, utf8(`bnd1|${sid}|${part}|${value}`));
  return toBase64url(new Uint8Array(mac, 0, TAG_BYTES));
}

/**
 * The `bnd` claim of a session's access tokens: `<keyId>.<u>.<n>.<a>.<c>`, each part 8 characters of HMAC over
 * the session id and one recorded value — UA family, prefix, ASN, country — or empty when that value was not
 * recorded. Salted with the session id, so equal bindings of two sessions do not look alike (the claim is no
 * cross-session identifier), and keyed, so a holder of the token cannot test guesses of the user's network.
 * Every policy's check can be made from it, so a policy change needs no new tokens. About 40 characters.
 */
export async function bindingClaim(
  source: BindingKeySource,
  sid: string,
  binding: SessionBinding,
): Promise<string> {
  const key = await bindingKey(source);
  const parts = await Promise.all([
    tag(key, sid, "u", binding.uaFamily),
    binding.netPrefix === null ? "" : tag(key, sid, "n", binding.netPrefix),
    binding.asn === null ? "" : tag(key, sid, "a", String(binding.asn)),
    binding.country === null ? "" : tag(key, sid, "c", binding.country),
  ]);
  return [source.id, ...parts].join(".");
}

const CLAIM =
  /^([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{8})?\.([A-Za-z0-9_-]{8})?\.([A-Za-z0-9_-]{8})?$/;

/** Whether a string is a well-formed `bnd` claim (access-tokens.ts rejects a token with a malformed one). */
export function isBindingClaim(value: string): boolean {
  return CLAIM.test(value);
}

/**
 * The edge check: does the current client keep to the binding the token's `bnd` claim hashed? Computes only
 * the tags the policy needs (one or two HMACs with a cached key; no storage). `unverifiable` when the claim was
 * made with a key no longer configured: the token is let through and the next refresh checks the session row.
 */
export async function checkBindingClaim(
  policy: BindingPolicy,
  keys: readonly BindingKeySource[],
  token: { sid: string; bnd: string },
  current: SessionBinding,
): Promise<BindingCheck | "unverifiable"> {
  if (policy === "off") return { ok: true };
  const m = CLAIM.exec(token.bnd);
  const source = m ? keys.find((k) => k.id === m[1]) : undefined;
  if (!m || !source) return "unverifiable";
  const key = await bindingKey(source);
  const [, , u = "", n = "", a = "", c = ""] = m;
  const same = async (part: Part, recorded: string, value: string | null): Promise<boolean | null> =>
    recorded === "" || value === null ? null : tagsEqual(await tag(key, token.sid, part, value), recorded);
  // Lazily, in the order decide() needs them: the common case costs two HMACs (UA family, then ASN or prefix).
  if (!(await same("u", u, current.uaFamily))) return { ok: false, reason: "ua_family" };
  let asn: boolean | null = null;
  let country: boolean | null = null;
  if (policy === "mobile") {
    asn = await same("a", a, current.asn === null ? null : String(current.asn));
    if (asn !== true) country = await same("c", c, current.country);
  }
  const needPrefix = policy === "strict" || (asn === null && country === null);
  const prefix =
    !needPrefix || n === ""
      ? null
      : current.netPrefix === null
        ? false
        : await same("n", n, current.netPrefix);
  return decide(policy, { uaFamily: true, asn, country, netPrefix: prefix });
}

/** Constant-time comparison of two tags. */
function tagsEqual(a: string, b: string): boolean {
  try {
    return constantTimeEqual(fromBase64url(a), fromBase64url(b));
  } catch {
    return false;
  }
}

/**
 * The edge check of one request's access token (auth/authenticate.ts; the pages' page-session.ts): the current
 * client against the token's `bnd` claim, under the deployment's policy. No storage read. A token without the
 * claim (a session that recorded no binding, or minted before binding existed) passes, as does one whose claim
 * was made with a key no longer configured (its session's next refresh checks the recorded binding).
 */
export async function checkRequestBinding(
  ctx: {
    config: { SESSION_BINDING: BindingPolicy; ENCRYPTION_KEYS: readonly BindingKeySource[] };
    client: ClientInfo;
  },
  access: { sid: string; bnd?: string | undefined },
): Promise<BindingCheck> {
  if (access.bnd === undefined || ctx.config.SESSION_BINDING === "off") return { ok: true };
  const check = await checkBindingClaim(
    ctx.config.SESSION_BINDING,
    ctx.config.ENCRYPTION_KEYS,
    { sid: access.sid, bnd: access.bnd },
    bindingOf(ctx.client),
  );
  return check === "unverifiable" ? { ok: true } : check;
}

/** A session an access token broke the binding of: what the revocation needs. */
export interface EdgeBindingMismatch {
  sessionId: string;
  userId: string;
  reason: BindingMismatch;
  via: "cookie" | "bearer";
}

/**
 * What the app does when an access token breaks its session's binding — revoke, mail, audit
 * (features/sessions/binding-mismatch.ts) — injected by the app (app.tsx sets `c.var.onBindingMismatch`) so
 * that auth/ does not import features/. Answers the error to throw.
 */
export type BindingMismatchEffect = (
  ctx: RequestContext,
  mismatch: EdgeBindingMismatch,
) => Promise<AuthError>;
