import { type RoleNode, resolveRole } from "../../auth/permission-match";
import type { Db } from "../../db/client";
import { type RoleRow, rolesOfTeam } from "../../db/teams";
import { logger } from "../../platform/logger";

/** A stored role as the matcher sees it. */
export function roleNode(row: Pick<RoleRow, "id" | "permissions" | "inheritsRoleId">): RoleNode {
  return {
    id: row.id,
    permissions: JSON.parse(row.permissions) as string[],
    inheritsRoleId: row.inheritsRoleId,
  };
}

export function roleMap(
  rows: readonly Pick<RoleRow, "id" | "permissions" | "inheritsRoleId">[],
): Map<string, RoleNode> {
  return new Map(rows.map((r) => [r.id, roleNode(r)]));
}

/**
 * A role's effective permissions (its own plus inherited ones), as they go into access tokens at
 * session-exchange, team switch and refresh. A role without a parent costs no query; one with a parent reads the
 * team's roles once (refresh passes them in, read in its first round trip). Writes never store a cycle, so a failed resolution is a bug: logged, and only the role's
 * own permissions apply.
 */
export async function effectivePermissions(
  db: Db,
  teamId: string,
  role: { id: string; permissions: string; inheritsRoleId: string | null },
  /** The team's roles when the caller already read them (refresh reads them in its first round trip). */
  teamRoles?: readonly Pick<RoleRow, "id" | "permissions" | "inheritsRoleId">[],
): Promise<string[]> {
  const own = JSON.parse(role.permissions) as string[];
  if (role.inheritsRoleId === null) return own;
  const rows = teamRoles ?? (await rolesOfTeam(db, teamId));
  const resolved = resolveRole(roleMap(rows), role.id);
  if (resolved.ok) return resolved.permissions;
  logger.error("role inheritance cannot be resolved", { teamId, roleId: role.id, reason: resolved.reason });
  return own;
}
