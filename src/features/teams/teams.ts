import type { Principal } from "../../auth/principal";
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
  setMemberRoleStatement,
  type TeamRow,
  teamsWithRoleOf,
  updateTeam as updateTeamRow,
} from "../../db/teams";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { commit } from "../../platform/unit-of-work";
import { revokeKeysBeyondCreators } from "../api-keys/creator-bound";
import { teamEventEffect } from "../events/publish";
import { memberCuts, memberTokensEnded, removedMemberCuts, sessionsEnded } from "../sessions/end";
import { revokeSessionsStatement } from "../sessions/store";
import { signOutOnTeamDeletion } from "../virtuozzo/connection";
import { checkSlug, defaultRoleRows, freeSlugCandidates, newRoleIds } from "./new-team";
import { actorAudit, assertCanGrant, effectiveOf, type TeamActor, teamActor, viaKey } from "./team-actor";

function teamView(t: TeamRow) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    createdAt: iso(t.createdAt) as string,
    updatedAt: iso(t.updatedAt) as string,
  };
}

type MemberRow = NonNullable<Awaited<ReturnType<typeof findMember>>>;

function memberView(m: MemberRow) {
  return {
    userId: m.userId,
    email: m.email,
    name: m.name,
    role: { id: m.roleId, name: m.roleName },
    joinedAt: iso(m.joinedAt) as string,
  };
}

/** GET /teams: the caller's teams with their role in each. */
export async function listMyTeams(ctx: RequestContext, auth: Principal) {
  const rows = await teamsWithRoleOf(ctx.db, auth.userId);
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    role: { id: r.roleId, name: r.roleName },
  }));
}

/** POST /teams: a new team with the default roles; the creator is its Owner. */
export async function createTeam(
  ctx: RequestContext,
  input: { auth: Principal; name: string; slug?: string },
) {
  const { auth } = input;
  const explicit = input.slug === undefined ? undefined : checkSlug(input.slug, "slug");
  const slugs = explicit ? [explicit] : await freeSlugCandidates(ctx, input.name);
  const now = ctx.now();
  const teamId = newId(ctx.random);
  const roleIds = newRoleIds(ctx.random);
  for (const slug of slugs) {
    try {
      await commit(ctx, {
        writes: [
          insertTeam(ctx.db, { id: teamId, slug, name: input.name, createdAt: now, updatedAt: now }),
          insertRoles(ctx.db, defaultRoleRows(roleIds, teamId, now)),
          insertMembership(ctx.db, { teamId, userId: auth.userId, roleId: roleIds.owner, joinedAt: now }),
        ],
        audit: {
          action: "team.created",
          actorId: auth.userId,
          target: { type: "team", id: teamId },
          teamId,
          metadata: { after: { slug, name: input.name } },
        },
      });
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

export async function getTeam(ctx: RequestContext, teamId: string) {
  const team = await findTeamById(ctx.db, teamId);
  if (!team) throw new AuthError("not_found");
  return teamView(team);
}

/** PATCH /teams/:teamId (`team:update`). */
export async function updateTeam(
  ctx: RequestContext,
  { auth, teamId, patch }: { auth: Principal; teamId: string; patch: { name?: string; slug?: string } },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const before = await findTeamById(ctx.db, teamId);
  if (!before) throw new AuthError("not_found");
  const slug = patch.slug === undefined ? undefined : checkSlug(patch.slug, "slug");
  const now = ctx.now();
  const next = { ...(patch.name !== undefined ? { name: patch.name } : {}), ...(slug ? { slug } : {}) };
  try {
    const [[after]] = await commit(ctx, {
      writes: [updateTeamRow(ctx.db, teamId, next, now)],
      audit: {
        action: "team.updated",
        ...actorAudit(actor),
        target: { type: "team", id: teamId },
        metadata: { before: { slug: before.slug, name: before.name }, after: next, ...viaKey(actor) },
      },
    });
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
export async function deleteTeam(ctx: RequestContext, { auth, teamId }: { auth: Principal; teamId: string }) {
  const actor = await teamActor(ctx, { auth, teamId });
  if (!actor.isOwner) throw new AuthError("forbidden", { internal: { reason: "not the owner" } });
  const team = await findTeamById(ctx.db, teamId);
  if (!team) throw new AuthError("not_found");
  const members = await membersOfTeam(ctx.db, teamId);
  const virtuozzoSignOut = await signOutOnTeamDeletion(ctx, teamId);
  const now = ctx.now();
  await commit(ctx, {
    writes: [
      revokeSessionsStatement(ctx.db, { teamId, now, reason: "team_deleted" }),
      deleteTeamStatement(ctx.db, teamId),
    ],
    audit: {
      action: "team.deleted",
      ...actorAudit(actor),
      target: { type: "team", id: teamId },
      metadata: { before: { slug: team.slug, name: team.name, members: members.length } },
    },
    after: ([revoked]) => [
      ...sessionsEnded(ctx, revoked, "team_deleted"),
      ...(virtuozzoSignOut ? [{ name: "virtuozzo.sign_out", run: virtuozzoSignOut }] : []),
    ],
  });
}

/** GET /teams/:teamId/members (`members:read`). */
export async function listMembers(ctx: RequestContext, teamId: string) {
  return (await membersOfTeam(ctx.db, teamId)).map(memberView);
}

async function memberOrNotFound(ctx: RequestContext, { teamId, userId }: { teamId: string; userId: string }) {
  const member = await findMember(ctx.db, teamId, userId);
  if (!member) throw new AuthError("not_found");
  return member;
}

/**
 * PATCH /teams/:teamId/members/:userId (`members:update`). The Owner's role and the Owner role move only by
 * ownership transfer; nobody assigns a role granting more than they hold, nor changes the role of a member who
 * holds more than they do. Every access token the member holds for the team dies at once (the edge cut-off of
 * sessions/end.ts memberTokensEnded); their next refresh carries the new role.
 */
export async function changeMemberRole(
  ctx: RequestContext,
  { auth, teamId, userId, roleId }: { auth: Principal; teamId: string; userId: string; roleId: string },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const member = await memberOrNotFound(ctx, { teamId, userId });
  const role = await findRole(ctx.db, teamId, roleId);
  if (!role) throw AuthError.validation([{ path: "roleId", message: "No such role in this team." }]);
  if (member.roleBuiltIn === "owner" || role.builtIn === "owner")
    throw new AuthError("owner_transfer_required");
  assertCanGrant(actor, effectiveOf(actor.roles, member.roleId));
  assertCanGrant(actor, effectiveOf(actor.roles, role.id));
  if (member.roleId === role.id) return memberView(member);
  const newPermissions = effectiveOf(actor.roles, role.id);
  const keyRevocations = await revokeKeysBeyondCreators(ctx, {
    teamId,
    actorId: actor.userId,
    permissionsOf: (uid) => (uid === userId ? newPermissions : undefined),
  });
  const now = ctx.now();
  const [changed] = await commit(ctx, {
    writes: [
      setMemberRoleStatement(ctx.db, { teamId, userId, roleId: role.id, now }),
      ...keyRevocations.writes,
    ],
    audit: [
      {
        action: "member.role_changed",
        ...actorAudit(actor),
        target: { type: "user", id: userId },
        metadata: {
          before: { roleId: member.roleId, roleName: member.roleName },
          after: { roleId: role.id, roleName: role.name },
          ...viaKey(actor),
        },
      },
      ...keyRevocations.audit,
    ],
    // Every token of the member for this team carries the old role: it dies now, in whichever session.
    after: ([changed]) => [
      ...memberTokensEnded(ctx, { teamId, cuts: memberCuts(changed), reason: "role_changed" }),
      ...(changed.length === 0
        ? []
        : [
            teamEventEffect(ctx, teamId, {
              type: "member.role_changed",
              data: {
                userId,
                role: { id: role.id, name: role.name },
                previousRole: { id: member.roleId, name: member.roleName },
              },
            }),
            ...keyRevocations.after,
          ]),
    ],
  });
  if (changed.length === 0) throw new AuthError("owner_transfer_required");
  return memberView({ ...member, roleId: role.id, roleName: role.name, roleBuiltIn: role.builtIn });
}

/**
 * DELETE /teams/:teamId/members/:userId (`members:remove`): never the Owner; not a member holding more than the
 * actor. The member's sessions bound to the team are revoked in the same batch and at the edge: their access
 * token stops working on the next request.
 */
export async function removeMember(
  ctx: RequestContext,
  { auth, teamId, userId }: { auth: Principal; teamId: string; userId: string },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const member = await memberOrNotFound(ctx, { teamId, userId });
  if (member.roleBuiltIn === "owner") throw new AuthError("owner_transfer_required");
  assertCanGrant(actor, effectiveOf(actor.roles, member.roleId));
  const now = ctx.now();
  const [removed] = await commit(ctx, {
    writes: [
      removeMemberStatement(ctx.db, teamId, userId),
      revokeSessionsStatement(ctx.db, { teamId, userId, now, reason: "member_removed" }),
    ],
    audit: {
      action: "member.removed",
      ...actorAudit(actor),
      target: { type: "user", id: userId },
      metadata: { before: { roleId: member.roleId, roleName: member.roleName }, ...viaKey(actor) },
    },
    after: ([removed, revoked]) => [
      ...sessionsEnded(ctx, revoked, "member_removed"),
      // Tokens for this team minted by their other sessions (now in another team) die too.
      ...memberTokensEnded(ctx, { teamId, cuts: removedMemberCuts(removed, now), reason: "member_removed" }),
      ...(removed.length === 0
        ? []
        : [teamEventEffect(ctx, teamId, { type: "member.removed", data: { userId } })]),
    ],
  });
  if (removed.length === 0) throw new AuthError("not_found");
}

export type { TeamActor };
