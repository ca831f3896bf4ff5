import type { Context } from "hono";
import { verifyAccessToken } from "../../auth/access-tokens";
import type { Principal } from "../../auth/principal";
import { isRevokedAtEdge } from "../../auth/revocation";
import { checkRequestBinding } from "../../auth/session-binding";
import type { AppEnv } from "../../http/app-env";
import { clearSessionCookies, readCookie, setSessionCookies } from "../../http/cookies";
import { presentedDevice } from "../../http/device";
import { AuthError } from "../../platform/errors";
import { endMismatchedSession } from "./binding-mismatch";
import { refreshSession } from "./refresh";

async function liveAccess(c: Context<AppEnv>, token: string): Promise<Principal | null> {
  const ctx = c.var.ctx;
  const access = await verifyAccessToken(ctx, token, ctx.now());
  if (!access || (await isRevokedAtEdge(ctx.kv, access, ctx.now()))) return null;
  // A cookie from another client (session-binding.ts): the session ends, and the page sends the browser to /login.
  const bound = await checkRequestBinding(ctx, access);
  if (!bound.ok) {
    const reason = bound.reason;
    await endMismatchedSession(ctx, { sessionId: access.sid, userId: access.userId, reason, via: "cookie" });
    clearSessionCookies(c);
    return null;
  }
  return { ...access, via: "cookie", apiKeyId: null };
}

/**
 * The signed-in user of a page (cookie mode), or null (the page then sends the browser to /login). A live
 * `__Host-access` cookie is enough; when it is missing or expired (it lives ACCESS_TOKEN_TTL) but the browser
 * still holds `__Host-refresh` on its `__Host-device`, the session is refreshed exactly as POST /auth/refresh
 * does (rotation, reuse detection, idle/absolute timeouts, device binding) and the new cookies go out with the
 * page. Sets `c.var.auth` like requireAuth. No CSRF header here: pages are plain links and form posts, and every
 * page POST reads its fields with readForm, whose same-origin check is the pages' CSRF defence.
 */
export async function pageSession(c: Context<AppEnv>): Promise<Principal | null> {
  const access = readCookie(c, "access");
  let principal = access ? await liveAccess(c, access) : null;
  if (!principal) {
    const refreshToken = readCookie(c, "refresh");
    if (!refreshToken) return null;
    const device = await presentedDevice(c);
    try {
      const tokens = await refreshSession(c.var.ctx, { deviceHash: device?.hash ?? null, refreshToken });
      setSessionCookies(c, {
        accessToken: tokens.accessToken,
        accessTtl: tokens.expiresIn,
        refreshToken: tokens.refreshToken,
        refreshMaxAge: tokens.refreshMaxAge,
        csrfToken: tokens.csrfToken,
      });
      principal = await liveAccess(c, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      // Another tab's refresh of the same token won (409): its cookies are the browser's now; keep them.
      if (error.code !== "refresh_conflict") clearSessionCookies(c);
      return null;
    }
  }
  if (principal) c.set("auth", principal);
  return principal;
}
