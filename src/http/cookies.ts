import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/**
 * Gatehouse's cookies (../shared/API.md): all `Secure; Path=/; SameSite=Lax`, no `Domain` (the `__Host-`
 * prefix makes the browser enforce that). Access and refresh cookies are HttpOnly; the CSRF cookie is
 * readable by the page's script, which echoes it in `X-CSRF-Token`.
 */
export const COOKIES = {
  access: "__Host-access",
  refresh: "__Host-refresh",
  csrf: "__Host-csrf",
  device: "__Host-device",
  preAuth: "__Host-preauth",
  decision: "__Host-decision",
  returnTo: "__Host-return",
  d1Bookmark: "__Host-d1-bookmark",
} as const;

const DEVICE_MAX_AGE = 400 * 86400; // the longest browsers allow

const base = { secure: true, path: "/", sameSite: "Lax" } as const;

export function readCookie(c: Context, name: keyof typeof COOKIES): string | undefined {
  return getCookie(c, COOKIES[name]);
}

export function setSessionCookies(
  c: Context,
  tokens: {
    accessToken: string;
    accessTtl: number;
    refreshToken: string;
    refreshMaxAge: number | null;
    csrfToken: string;
  },
): void {
  setCookie(c, COOKIES.access, tokens.accessToken, { ...base, httpOnly: true, maxAge: tokens.accessTtl });
  // Without remember-me the refresh cookie lives as long as the browser session.
  setCookie(c, COOKIES.refresh, tokens.refreshToken, {
    ...base,
    httpOnly: true,
    ...(tokens.refreshMaxAge !== null ? { maxAge: tokens.refreshMaxAge } : {}),
  });
  setCookie(c, COOKIES.csrf, tokens.csrfToken, {
    ...base,
    httpOnly: false,
    ...(tokens.refreshMaxAge !== null ? { maxAge: tokens.refreshMaxAge } : {}),
  });
}

export function clearSessionCookies(c: Context): void {
  for (const name of [COOKIES.access, COOKIES.refresh, COOKIES.csrf]) deleteCookie(c, name, { ...base });
}

export function setDeviceCookie(c: Context, deviceId: string): void {
  setCookie(c, COOKIES.device, deviceId, { ...base, httpOnly: true, maxAge: DEVICE_MAX_AGE });
}

/**
 * The pages' login between two steps: the pre-auth token in an HttpOnly, SameSite=Strict cookie that dies with
 * the token — never in a URL (history, logs) and never readable by a script.
 */
export function setPreAuthCookie(c: Context, token: string, maxAge: number): void {
  setCookie(c, COOKIES.preAuth, token, { ...base, sameSite: "Strict", httpOnly: true, maxAge });
}

export function clearPreAuthCookie(c: Context): void {
  deleteCookie(c, COOKIES.preAuth, { ...base, sameSite: "Strict" });
}

/**
 * The pages' concurrent-session decision (a login that met another live session): its decision token in an
 * HttpOnly, SameSite=Strict cookie for the few minutes the decision lives.
 */
export function setDecisionCookie(c: Context, token: string, maxAge: number): void {
  setCookie(c, COOKIES.decision, token, { ...base, sameSite: "Strict", httpOnly: true, maxAge });
}

export function clearDecisionCookie(c: Context): void {
  deleteCookie(c, COOKIES.decision, { ...base, sameSite: "Strict" });
}

/**
 * Where the pages send a browser once its login finishes (`return_to`, already checked against the allow-list by
 * features/login/pages/return-to.ts): HttpOnly, SameSite=Strict, for as long as a login may take.
 */
export function setReturnToCookie(c: Context, url: string, maxAge: number): void {
  setCookie(c, COOKIES.returnTo, url, { ...base, sameSite: "Strict", httpOnly: true, maxAge });
}

export function clearReturnToCookie(c: Context): void {
  deleteCookie(c, COOKIES.returnTo, { ...base, sameSite: "Strict" });
}

/**
 * The browser's D1 bookmark (docs/read-replicas.md): "read at least this fresh", so the page after a POST shows
 * the POST's writes even when a replica serves it. Not a secret (it names a point in the database's history and
 * grants nothing); HttpOnly all the same, since no script needs it. It only has to outlive replication lag.
 */
export function setBookmarkCookie(c: Context, bookmark: string, maxAge: number): void {
  setCookie(c, COOKIES.d1Bookmark, bookmark, { ...base, httpOnly: true, maxAge });
}
