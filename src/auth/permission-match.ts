import { PERMISSIONS } from "./permissions";

/**
 * The pure permission model (../shared/API.md "Teams, roles, invitations, API keys"): grants are catalogue
 * permissions (`members:invite`), resource wildcards (`members:*`) or everything (`*`). No I/O here: the
 * routes and services feed it role rows and token claims.
 */

/** The maximum length of an inheritance chain (a role plus this many ancestors). */
export const MAX_INHERITANCE_DEPTH = 5;

const RESOURCES: ReadonlySet<string> = new Set(
  Object.keys(PERMISSIONS).map((p) => p.split(":")[0] as string),
);

/** A grant a role or key may hold: a catalogue permission, `resource:*` of a catalogue resource, or `*`. */
export function isValidGrant(grant: string): boolean {
  if (grant === "*") return true;
  if (Object.hasOwn(PERMISSIONS, grant)) return true;
  const m = /^([a-z_]+):\*$/.exec(grant);
  return m !== null && RESOURCES.has(m[1] as string);
}

/** Does `grant` allow the concrete permission `permission`? */
export function grantAllows(grant: string, permission: string): boolean {
  if (grant === "*") return true;
  if (grant === permission) return true;
  if (grant.endsWith(":*")) return permission.startsWith(grant.slice(0, -1)) && !permission.endsWith(":*");
  return false;
}

/** Do the grants allow the concrete permission? */
export function hasPermission(grants: readonly string[], permission: string): boolean {
  return grants.some((g) => grantAllows(g, permission));
}

/**
 * Does `held` cover the requested grant? A concrete permission is covered by any grant allowing it; a wildcard
 * only by an equal or wider wildcard (`members:*` by `members:*` or `*`), never by listing today's actions:
 * a resource's wildcard also covers actions added to the catalogue later.
 */
export function covers(held: readonly string[], requested: string): boolean {
  if (requested === "*") return held.includes("*");
  if (requested.endsWith(":*")) return held.includes("*") || held.includes(requested);
  return hasPermission(held, requested);
}

export type GrantCheck = { ok: true } | { ok: false; missing: string[] };

/** Escalation check: nobody grants (to a role, a member or an API key) what they do not hold themselves. */
export function canGrant(granter: readonly string[], requested: readonly string[]): GrantCheck {
  const missing = requested.filter((r) => !covers(granter, r));
  return missing.length === 0 ? { ok: true } : { ok: false, missing };
}

/** The smallest equivalent list: sorted, deduplicated, and without grants a wildcard in the list already covers. */
export function normalizeGrants(grants: readonly string[]): string[] {
  if (grants.includes("*")) return ["*"];
  const unique = [...new Set(grants)];
  return unique.filter((g) => g.endsWith(":*") || !unique.some((w) => w !== g && grantAllows(w, g))).sort();
}

/** What inheritance resolution needs of a role. */
export interface RoleNode {
  id: string;
  permissions: readonly string[];
  inheritsRoleId: string | null;
}

export type RoleResolution =
  | { ok: true; permissions: string[] }
  | { ok: false; reason: "cycle" | "too_deep" | "unknown_role" };

/**
 * A role's effective permissions: its own plus those of its ancestors (a role inherits another role of the same
 * team, which may inherit in turn). A cycle, a chain longer than MAX_INHERITANCE_DEPTH or a dangling reference
 * is an error, never a partial answer.
 */
export function resolveRole(roles: ReadonlyMap<string, RoleNode>, roleId: string): RoleResolution {
  const seen = new Set<string>();
  const permissions: string[] = [];
  let current: string | null = roleId;
  while (current !== null) {
    if (seen.has(current)) return { ok: false, reason: "cycle" };
    if (seen.size > MAX_INHERITANCE_DEPTH) return { ok: false, reason: "too_deep" };
    const role = roles.get(current);
    if (!role) return { ok: false, reason: "unknown_role" };
    seen.add(current);
    permissions.push(...role.permissions);
    current = role.inheritsRoleId;
  }
  return { ok: true, permissions: normalizeGrants(permissions) };
}

/**
 * Resolves `candidate` as if it were stored (a new role, or an edit of an existing one) against the team's
 * other roles: what the role would grant, or why it cannot exist.
 */
export function resolveCandidate(roles: readonly RoleNode[], candidate: RoleNode): RoleResolution {
  const map = new Map(roles.map((r) => [r.id, r]));
  map.set(candidate.id, candidate);
  return resolveRole(map, candidate.id);
}
