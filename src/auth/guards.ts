import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { AuthError } from "../platform/errors";
import { hasPermission, isValidGrant } from "./permission-match";

/**
 * Guards a team-scoped operation: after requireAuth, the caller's token (or API key) must be bound to the team
 * the path names (`:teamId`; a member of several teams switches with session-exchange first) and its
 * permissions must allow `permission`. Anything else is 403 `forbidden` with the contract's exact copy.
 * Permissions come from the token: a role change applies at the next refresh, a removal at once (revocation).
 */
export function requirePermission(permission: string) {
  if (!isValidGrant(permission) || permission.includes("*")) {
    throw new TypeError(`requirePermission needs a catalogue permission, got "${permission}"`);
  }
  return createMiddleware<AppEnv>(async function checkPermission(c, next) {
    const auth = c.var.auth;
    const teamId = (c.req.param() as Record<string, string | undefined>).teamId;
    if (!auth?.team || (teamId !== undefined && teamId !== auth.team)) {
      throw new AuthError("forbidden", { internal: { reason: "token not bound to the team", permission } });
    }
    if (!hasPermission(auth.permissions, permission)) {
      throw new AuthError("forbidden", { internal: { reason: "missing permission", permission } });
    }
    await next();
  });
}

/** Team-scoped operations that no API key may perform (team deletion, ownership transfer). */
export function requireUser() {
  return createMiddleware<AppEnv>(async function userOnly(c, next) {
    if (c.var.auth?.via === "api_key") {
      throw new AuthError("forbidden", {
        headers: { "WWW-Authenticate": 'Bearer error="insufficient_scope"' },
        internal: { reason: "API key on a user-only route" },
      });
    }
    await next();
  });
}
