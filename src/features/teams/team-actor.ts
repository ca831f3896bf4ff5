import { canGrant, resolveRole } from "../../auth/permission-match";
import type { Principal } from "../../auth/principal";
import { findMember, type RoleRow, rolesOfTeam } from "../../db/teams";
import type { AuditEvent } from "../../platform/audit";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { roleMap } from "../roles/effective-permissions";

/**
 * Who performs a team operation, with permissions read fresh from D1 for users (the token may be up to one
 * access-token lifetime old; escalation checks must not be) and the key's own scope for API keys.
 */
export interface TeamActor {
  userId: string;
  apiKeyId: string | null;
  teamId: string;
  permissions: string[];
  isOwner: boolean;
  roles: RoleRow[];
}

export async function teamActor(
  ctx: RequestContext,
  { auth, teamId }: { auth: Principal; teamId: string },
): Promise<TeamActor> {
  const roles = await rolesOfTeam(ctx.db, teamId);
  if (auth.via === "api_key") {
    return {
      userId: auth.userId,
      apiKeyId: auth.apiKeyId,
      teamId,
      permissions: auth.permissions,
      isOwner: false,
      roles,
    };
  }
  const member = await findMember(ctx.db, teamId, auth.userId);
  if (!member) throw new AuthError("forbidden", { internal: { reason: "not a member" } });
  return {
    userId: auth.userId,
    apiKeyId: null,
    teamId,
    permissions: effectiveOf(roles, member.roleId),
    isOwner: member.roleBuiltIn === "owner",
    roles,
  };
}

/** A role's effective permissions among the team's roles (stored roles always resolve). */
export function effectiveOf(roles: readonly RoleRow[], roleId: string): string[] {
  const resolved = resolveRole(roleMap(roles), roleId);
  if (!resolved.ok) throw new AuthError("internal_error", { internal: { reason: resolved.reason, roleId } });
  return resolved.permissions;
}

/** 403 unless the actor holds everything `requested` grants (no escalation by roles, invitations or keys). */
export function assertCanGrant(actor: TeamActor, requested: readonly string[]): void {
  const check = canGrant(actor.permissions, requested);
  if (!check.ok)
    throw new AuthError("forbidden", { internal: { reason: "escalation", missing: check.missing } });
}

/** The audit fields every team change carries: actor and team. */
export function actorAudit(actor: TeamActor): Pick<AuditEvent, "actorId" | "teamId"> {
  return { actorId: actor.userId, teamId: actor.teamId };
}

/** Audit metadata naming the API key that acted, if one did. */
export function viaKey(actor: TeamActor): Record<string, string> {
  return actor.apiKeyId ? { apiKeyId: actor.apiKeyId } : {};
}
