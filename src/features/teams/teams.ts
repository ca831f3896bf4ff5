import type { Principal } from "../../auth/principal";
import { revokeAtEdge } from "../../auth/revocation";
import { isUniqueViolation } from "../../db/client";
import {
  deleteTeamStatement,
  findMember,
  findRole,
  findTeamById,
  insertMembership,
  insertRoles,
  insertTeam,
  membersOfTeam,
  removeMemberStatement,
  revokeTeamSessionsStatement,
  setMemberRoleStatement,
  type TeamRow,
  teamsWithRoleOf,
  updateTeam as updateTeamRow,
} from "../../db/teams";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import type { ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { revokeKeysBeyondCreators } from "../api-keys/api-keys";
import { releaseSlots } from "../sessions/single-session";
import { checkSlug, defaultRoleRows, freeSlugCandidates, newRoleIds } from "./new-team";
import { actorAudit, assertCanGrant, effectiveOf, type TeamActor, teamActor, viaKey } from "./team-actor";

export function teamView(t: TeamRow) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    createdAt: iso(t.createdAt) as string,
    updatedAt: iso(t.updatedAt) as string,
  };
}

type MemberRow = NonNullable<Awaited<ReturnType<typeof findMember>>>;

export function memberView(m: MemberRow) {
  return {
    userId: m.userId,
    email: m.email,
    name: m.name,
    role: { id: m.roleId, name: m.roleName },
    joinedAt: iso(m.joinedAt) as string,
  };
}

export function edgeRevocation(s: ServiceDeps) {
  return { kv: s.env.KV, now: s.now, accessTokenTtl: s.config.ACCESS_TOKEN_TTL };
}

/** After sessions were revoked in D1: their access tokens die at the edge and their single-session slots free up. */
async function endRevokedSessions(s: ServiceDeps, revoked: { id: string; userId: string }[], reason: string) {
  await revokeAtEdge(
    edgeRevocation(s),
    revoked.map((r) => r.id),
    reason,
  );
  const byUser = new Map<string, string[]>();
  for (const r of revoked) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.id]);
  await Promise.all([...byUser].map(([userId, ids]) => releaseSlots(s, userId, ids)));
}

/** GET /teams: the caller's teams with their role in each. */
export async function listMyTeams(s: ServiceDeps, auth: Principal) {
  const rows = await teamsWithRoleOf(s.db, auth.userId);
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    role: { id: r.roleId, name: r.roleName },
  }));
}

/** POST /teams: a new team with the default roles; the creator is its Owner. */
export async function createTeam(
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  input: { name: string; slug?: string },
) {
  const explicit = input.slug === undefined ? undefined : checkSlug(input.slug, "slug");
  const slugs = explicit ? [explicit] : await freeSlugCandidates(s, input.name);
  const now = s.now();
  const teamId = newId(s.random);
  const roleIds = newRoleIds(s.random);
  for (const slug of slugs) {
    try {
      await s.db.batch([
        insertTeam(s.db, { id: teamId, slug, name: input.name, createdAt: now, updatedAt: now }),
        insertRoles(s.db, defaultRoleRows(roleIds, teamId, now)),
        insertMembership(s.db, { teamId, userId: auth.userId, roleId: roleIds.owner, joinedAt: now }),
        auditStatement(s, client, {
          action: "team.created",
          actorId: auth.userId,
          target: { type: "team", id: teamId },
          teamId,
          metadata: { after: { slug, name: input.name } },
        }),
      ]);
      return teamView({ id: teamId, slug, name: input.name, createdAt: now, updatedAt: now });
    } catch (error) {
      if (isUniqueViolation(error, "teams.slug")) {
        if (explicit) throw new AuthError("slug_taken");
        continue;
      }
      throw error;
    }
  }
  throw new AuthError("slug_taken", { internal: { reason: "no free derived slug" } });
}

export async function getTeam(s: ServiceDeps, teamId: string) {
  const team = await findTeamById(s.db, teamId);
  if (!team) throw new AuthError("not_found");
  return teamView(team);
}

/** PATCH /teams/:teamId (`team:update`). */
export async function updateTeam(
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  teamId: string,
  patch: { name?: string; slug?: string },
) {
  const actor = await teamActor(s, auth, teamId);
  const before = await findTeamById(s.db, teamId);
  if (!before) throw new AuthError("not_found");
  const slug = patch.slug === undefined ? undefined : checkSlug(patch.slug, "slug");
  const now = s.now();
  const next = { ...(patch.name !== undefined ? { name: patch.name } : {}), ...(slug ? { slug } : {}) };
  try {
    const [[after]] = await s.db.batch([
      updateTeamRow(s.db, teamId, next, now),
      auditStatement(s, client, {
        action: "team.updated",
        ...actorAudit(actor),
        target: { type: "team", id: teamId },
        metadata: { before: { slug: before.slug, name: before.name }, after: next, ...viaKey(actor) },
      }),
    ]);
    return teamView(after ?? before);
  } catch (error) {
    if (isUniqueViolation(error, "teams.slug")) throw new AuthError("slug_taken");
    throw error;
  }
}

/**
 * DELETE /teams/:teamId: the Owner only (`team:delete` alone is not enough). Memberships, roles, invitations,
 * transfers and API keys go with the team (foreign-key cascades); every session bound to the team is revoked in
 * D1 and at the edge, so their access tokens die at once.
 */
export async function deleteTeam(s: ServiceDeps, client: ClientInfo, auth: Principal, teamId: string) {
  const actor = await teamActor(s, auth, teamId);
  if (!actor.isOwner) throw new AuthError("forbidden", { internal: { reason: "not the owner" } });
  const team = await findTeamById(s.db, teamId);
  if (!team) throw new AuthError("not_found");
  const members = await membersOfTeam(s.db, teamId);
  const now = s.now();
  const [revoked] = await s.db.batch([
    revokeTeamSessionsStatement(s.db, teamId, null, now, "team_deleted"),
    auditStatement(s, client, {
      action: "team.deleted",
      ...actorAudit(actor),
      target: { type: "team", id: teamId },
      metadata: { before: { slug: team.slug, name: team.name, members: members.length } },
    }),
    deleteTeamStatement(s.db, teamId),
  ]);
  await endRevokedSessions(s, revoked, "team_deleted");
}

/** GET /teams/:teamId/members (`members:read`). */
export async function listMembers(s: ServiceDeps, teamId: string) {
  return (await membersOfTeam(s.db, teamId)).map(memberView);
}

async function memberOrNotFound(s: ServiceDeps, teamId: string, userId: string) {
  const member = await findMember(s.db, teamId, userId);
  if (!member) throw new AuthError("not_found");
  return member;
}

/**
 * PATCH /teams/:teamId/members/:userId (`members:update`). The Owner's role and the Owner role move only by
 * ownership transfer; nobody assigns a role granting more than they hold, nor changes the role of a member who
 * holds more than they do. The member's next refresh (at most one access-token lifetime) carries the new role.
 */
export async function changeMemberRole(
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  teamId: string,
  userId: string,
  roleId: string,
) {
  const actor = await teamActor(s, auth, teamId);
  const member = await memberOrNotFound(s, teamId, userId);
  const role = await findRole(s.db, teamId, roleId);
  if (!role) throw AuthError.validation([{ path: "roleId", message: "No such role in this team." }]);
  if (member.roleBuiltIn === "owner" || role.builtIn === "owner")
    throw new AuthError("owner_transfer_required");
  assertCanGrant(actor, effectiveOf(actor.roles, member.roleId));
  assertCanGrant(actor, effectiveOf(actor.roles, role.id));
  if (member.roleId === role.id) return memberView(member);
  const newPermissions = effectiveOf(actor.roles, role.id);
  const keyRevocations = await revokeKeysBeyondCreators(s, client, teamId, actor.userId, (uid) =>
    uid === userId ? newPermissions : undefined,
  );
  const [changed] = await s.db.batch([
    setMemberRoleStatement(s.db, teamId, userId, role.id),
    auditStatement(s, client, {
      action: "member.role_changed",
      ...actorAudit(actor),
      target: { type: "user", id: userId },
      metadata: {
        before: { roleId: member.roleId, roleName: member.roleName },
        after: { roleId: role.id, roleName: role.name },
        ...viaKey(actor),
      },
    }),
    ...keyRevocations,
  ]);
  if (changed.length === 0) throw new AuthError("owner_transfer_required");
  return memberView({ ...member, roleId: role.id, roleName: role.name, roleBuiltIn: role.builtIn });
}

/**
 * DELETE /teams/:teamId/members/:userId (`members:remove`): never the Owner; not a member holding more than the
 * actor. The member's sessions bound to the team are revoked in the same batch and at the edge: their access
 * token stops working on the next request.
 */
export async function removeMember(
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  teamId: string,
  userId: string,
) {
  const actor = await teamActor(s, auth, teamId);
  const member = await memberOrNotFound(s, teamId, userId);
  if (member.roleBuiltIn === "owner") throw new AuthError("owner_transfer_required");
  assertCanGrant(actor, effectiveOf(actor.roles, member.roleId));
  const now = s.now();
  const [removed, revoked] = await s.db.batch([
    removeMemberStatement(s.db, teamId, userId),
    revokeTeamSessionsStatement(s.db, teamId, userId, now, "member_removed"),
    auditStatement(s, client, {
      action: "member.removed",
      ...actorAudit(actor),
      target: { type: "user", id: userId },
      metadata: { before: { roleId: member.roleId, roleName: member.roleName }, ...viaKey(actor) },
    }),
  ]);
  if (removed.length === 0) throw new AuthError("not_found");
  await endRevokedSessions(s, revoked, "member_removed");
}

export type { TeamActor };
