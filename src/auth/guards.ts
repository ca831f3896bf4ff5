import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { AuthError } from "../platform/errors";
import { requireAuth } from "./authenticate";
import { hasPermission, isValidGrant } from "./permission-match";
import { freshAuthentication, liveSessionForWrites } from "./step-up";

/**
 * Guards a team-scoped operation: after requireAuth, the caller's token (or API key) must be bound to the team
 * the path names (`:teamId`; a member of several teams switches with session-exchange first) and its
 * permissions must allow `permission`. Anything else is 403 `forbidden` with the contract's exact copy.
 * Permissions come from the token: a role change applies at the next refresh, a removal at once (revocation).
 */
function requirePermission(permission: string) {
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
function requireUser(detail?: string) {
  return createMiddleware<AppEnv>(async function userOnly(c, next) {
    if (c.var.auth?.via === "api_key") {
      throw new AuthError("forbidden", {
        ...(detail ? { detail } : {}),
        headers: { "WWW-Authenticate": 'Bearer error="insufficient_scope"' },
        internal: { reason: "API key on a user-only route" },
      });
    }
    await next();
  });
}

export type PlatformRole = "admin" | "support" | "billing_admin";

/**
 * Guards platform (not team) operations: the caller's access token must carry one of `roles`. Runs after
 * requireAuth; the roles come from the token, so a change takes effect with the edge revocation of the
 * user's sessions.
 */
function requirePlatformRole(...roles: PlatformRole[]) {
  if (roles.length === 0) throw new TypeError("requirePlatformRole needs at least one role");
  return createMiddleware<AppEnv>(async function platformRole(c, next) {
    const held = c.var.auth?.platformRoles ?? [];
    if (!roles.some((r) => held.includes(r))) throw new AuthError("forbidden");
    await next();
  });
}

/**
 * OpenAPI security schemes (registered in app.tsx) and the requirements of the guards below. A browser sends the
 * access cookie and, on unsafe methods, the CSRF double-submit header; API clients send a bearer access token;
 * team routes also take a team API key as a bearer token.
 */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token (`typ: at+jwt`) from session-exchange or refresh.",
  },
  cookieAuth: {
    type: "apiKey",
    in: "cookie",
    name: "__Host-access",
    description: "The access cookie set by session-exchange and refresh (browsers).",
  },
  csrfToken: {
    type: "apiKey",
    in: "header",
    name: "X-CSRF-Token",
    description:
      "Cookie-authenticated unsafe requests: the value of the `__Host-csrf` cookie (double submit).",
  },
  apiKey: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "gh_…",
    description: "A team API key (`Authorization: Bearer gh_…`), accepted on team routes only.",
  },
} as const;

/** An OpenAPI security requirement: scheme names, all required together (OpenAPI 3.1, Security Requirement Object). */
type SecurityRequirement = Record<keyof typeof SECURITY_SCHEMES, string[]>;
const USER_SECURITY: Partial<SecurityRequirement>[] = [{ bearerAuth: [] }, { cookieAuth: [], csrfToken: [] }];
const TEAM_SECURITY: Partial<SecurityRequirement>[] = [...USER_SECURITY, { apiKey: [] }];

/** Route options (spread into createRoute) for a signed-in user: access token only, never an API key. */
export function signedIn(...guards: MiddlewareHandler<AppEnv>[]) {
  return { middleware: [requireAuth(), ...guards], security: USER_SECURITY };
}

/**
 * Route options for a team-scoped operation: an access token bound to the path's team, or that team's API key,
 * holding `permission`; `userOnly` refuses API keys (team deletion, ownership transfer, creating keys) —
 * with `userOnlyDetail` as the problem's detail when the generic copy would not say why.
 */
export function teamRoute(
  permission: string,
  options: { userOnly?: boolean; userOnlyDetail?: string; fresh?: boolean } = {},
) {
  if (options.fresh && !options.userOnly) throw new TypeError("a fresh (step-up) team route is userOnly");
  return {
    middleware: [
      requireAuth({ apiKeys: true }),
      ...(options.userOnly ? [requireUser(options.userOnlyDetail)] : []),
      requirePermission(permission),
      // A fresh route reads the session anyway; every other write checks it is still live in D1.
      options.fresh ? freshAuthentication() : liveSessionForWrites(),
    ],
    security: options.userOnly ? USER_SECURITY : TEAM_SECURITY,
  };
}

/** Route options for platform administration: a signed-in user holding one of `roles`. */
export function platformRoute(...roles: PlatformRole[]) {
  return signedIn(requirePlatformRole(...roles));
}

/**
 * A sensitive action's guard (RFC 9470 step-up, auth/step-up.ts): a recent authentication, with a second factor
 * where the user has one. Spread after the route's other guards: `signedIn(fresh())`.
 */
export function fresh() {
  return freshAuthentication();
}

/** Route options for a platform-admin write: platformRoute plus the step-up guard (every admin write is sensitive). */
export function platformWriteRoute(...roles: PlatformRole[]) {
  return signedIn(requirePlatformRole(...roles), freshAuthentication());
}
