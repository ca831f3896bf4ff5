import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { AuthError } from "../platform/errors";

export type PlatformRole = "admin" | "support" | "billing_admin";

/**
 * Guards platform (not team) operations: the caller's access token must carry one of `roles`. Runs after
 * requireAuth; the roles come from the token, so a change takes effect with the edge revocation of the
 * user's sessions.
 */
export function requirePlatformRole(...roles: PlatformRole[]) {
  if (roles.length === 0) throw new TypeError("requirePlatformRole needs at least one role");
  return createMiddleware<AppEnv>(async function platformRole(c, next) {
    const held = c.var.auth?.platformRoles ?? [];
    if (!roles.some((r) => held.includes(r))) throw new AuthError("forbidden");
    await next();
  });
}
