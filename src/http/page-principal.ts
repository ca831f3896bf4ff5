import type { Context } from "hono";
import { hasPermission } from "../auth/permission-match";
import type { Principal } from "../auth/principal";
import { csrfKey, verifyCsrfToken } from "../crypto/csrf";
import { pageSession } from "../features/sessions/page-session";
import { AuthError } from "../platform/errors";
import type { AppEnv } from "./app-env";
import { readCookie } from "./cookies";
import { readForm } from "./form";

/** The hidden form field carrying the CSRF token on signed-in pages (no script can set a header on a plain form). */
export const CSRF_FIELD = "csrf";

/**
 * The signed-in user of a page request, from the access cookie (refreshed through the refresh cookie when it
 * expired: sessions/page-session.ts); null without a live session (the page then sends the browser to /login).
 */
export function pagePrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  return pageSession(c);
}

/**
 * A signed-in page's form POST: same-origin (readForm) and the double-submit CSRF token of the session in the
 * form's hidden `csrf` field, equal to the `__Host-csrf` cookie and signed for this session — the header check
 * of requireAuth, carried by the form. Null without a live session; `csrf_failed` for a missing or foreign token.
 */
export async function pagePost(
  c: Context<AppEnv>,
): Promise<{ principal: Principal; form: Record<string, string> } | null> {
  const form = await readForm(c);
  const principal = await pagePrincipal(c);
  if (!principal) return null;
  const given = form[CSRF_FIELD];
  const cookie = readCookie(c, "csrf");
  const keys = await Promise.all(c.var.ctx.config.ENCRYPTION_KEYS.map((k) => csrfKey(k.key, k.id)));
  if (!given || given !== cookie || !(await verifyCsrfToken(keys, principal.sid, given))) {
    throw new AuthError("csrf_failed");
  }
  return { principal, form };
}

/** The CSRF token a signed-in page puts in its forms (the cookie's value). */
export function pageCsrfToken(c: Context<AppEnv>): string {
  return readCookie(c, "csrf") ?? "";
}

/**
 * What the route guards check, for a page acting on a team: the session is bound to `teamId` and its token's
 * permissions allow `permission` — else 403 `forbidden`, as the API answers.
 */
export function assertTeamPermission(principal: Principal, teamId: string, permission: string): void {
  if (principal.team !== teamId) {
    throw new AuthError("forbidden", { internal: { reason: "token not bound to the team", permission } });
  }
  if (!hasPermission(principal.permissions, permission)) {
    throw new AuthError("forbidden", { internal: { reason: "missing permission", permission } });
  }
}

/** Whether the page may offer an action (the same rule, as a boolean). */
export function mayDo(principal: Principal, teamId: string, permission: string): boolean {
  return principal.team === teamId && hasPermission(principal.permissions, permission);
}
