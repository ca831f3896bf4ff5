import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { csrfKey, verifyCsrfToken } from "../crypto/csrf";
import type { AppEnv } from "../http/app-env";
import { readCookie } from "../http/cookies";
import { AuthError } from "../platform/errors";
import { verifyAccessToken } from "./access-tokens";
import { authenticateApiKey, isApiKey } from "./api-key-principal";
import type { Principal } from "./principal";
import { isRevokedAtEdge } from "./revocation";
import { checkRequestBinding } from "./session-binding";

export interface RequireAuthOptions {
  /**
   * Accept team API keys (`Authorization: Bearer gh_…`) besides access tokens. Off by default: user-only
   * routes (/auth/me, sessions, 2FA, team switching, …) answer an API key with 403 `insufficient_scope`.
   */
  apiKeys?: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function unauthorized(error?: "invalid_token", reason?: string): AuthError {
  return new AuthError("unauthorized", {
    headers: { "WWW-Authenticate": error ? `Bearer error="${error}"` : 'Bearer realm="gatehouse"' },
    internal: reason ? { reason } : {},
  });
}

/** The bearer token or the access cookie of a request; `undefined` when it presents neither. */
export function presentedAccessToken(c: Context): { token: string; via: Principal["via"] } | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
    if (!m?.[1]) throw unauthorized("invalid_token", "malformed authorization header");
    return { token: m[1], via: "bearer" };
  }
  const cookie = readCookie(c, "access");
  return cookie ? { token: cookie, via: "cookie" } : undefined;
}

/**
 * Authenticates a request by its access token (bearer or cookie): signature, `typ`, issuer, audience and
 * expiry checked in the Worker, then one KV read for the session's revocation record, then the session's binding
 * against the token's `bnd` claim (auth/session-binding.ts: CPU only). No D1 access.
 * Cookie-authenticated unsafe methods must carry `X-CSRF-Token` equal to the `__Host-csrf` cookie and signed
 * for this session.
 */
export function requireAuth(options: RequireAuthOptions = {}) {
  return createMiddleware<AppEnv>(async function authenticate(c, next) {
    const presented = presentedAccessToken(c);
    if (!presented) throw unauthorized();
    const ctx = c.var.ctx;
    const config = ctx.config;
    const now = ctx.now();
    if (presented.via === "bearer" && isApiKey(presented.token)) {
      if (!options.apiKeys) {
        throw new AuthError("forbidden", {
          headers: { "WWW-Authenticate": 'Bearer error="insufficient_scope"' },
          internal: { reason: "API key on a user-only route" },
        });
      }
      // API-key requests read D1 (one indexed query); access tokens never do.
      const principal = await authenticateApiKey(ctx, presented.token);
      if (!principal) throw unauthorized("invalid_token", "invalid, revoked or expired API key");
      c.set("auth", principal);
      return next();
    }
    const access = await verifyAccessToken(ctx, presented.token, now);
    if (!access) throw unauthorized("invalid_token", "invalid access token");
    if (await isRevokedAtEdge(ctx.kv, access, now)) throw unauthorized("invalid_token", "revoked token");
    // Session binding: the client against the token's hashed binding, no storage read (session-binding.ts).
    // A bearer token is held to it like a cookie: a token replayed from elsewhere is the same theft.
    const bound = await checkRequestBinding(ctx, access);
    if (!bound.ok) {
      const via = presented.via === "cookie" ? "cookie" : "bearer";
      const mismatch = { sessionId: access.sid, userId: access.userId, reason: bound.reason, via } as const;
      throw c.var.onBindingMismatch
        ? await c.var.onBindingMismatch(ctx, mismatch)
        : new AuthError("session_binding_mismatch", { internal: { reason: bound.reason } });
    }
    if (presented.via === "cookie" && !SAFE_METHODS.has(c.req.method)) {
      const header = c.req.header("x-csrf-token");
      const cookie = readCookie(c, "csrf");
      const keys = await Promise.all(config.ENCRYPTION_KEYS.map((k) => csrfKey(k.key, k.id)));
      if (!header || !cookie || header !== cookie || !(await verifyCsrfToken(keys, access.sid, header))) {
        throw new AuthError("csrf_failed");
      }
    }
    c.set("auth", { ...access, via: presented.via, apiKeyId: null });
    await next();
  });
}
