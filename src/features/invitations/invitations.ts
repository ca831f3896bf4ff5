import type { Principal } from "../../auth/principal";
import { hashPassword } from "../../crypto/password";
import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { isUniqueViolation } from "../../db/client";
import { findMember, findRole, findTeamById } from "../../db/teams";
import { findUserByEmail, findUserById, insertUser } from "../../db/users";
import { argon2Params, outboxDeps, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { prepareEmail } from "../../platform/outbox";
import { enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import { breachedOrPolicyRejection } from "../passwords/rules";
import { assertWithinPlan } from "../plans/within-plan";
import { erasePendingRegistration } from "../registration/pending-registration";
import { chargeTeamBudget } from "../team-budgets/spend";
import { actorAudit, assertCanGrant, effectiveOf, teamActor, viaKey } from "../teams/team-actor";
import {
  consumeInvitationStatement,
  findPendingInvitation,
  insertInvitation,
  invitedMembershipStatement,
  isInvitationRace,
  pendingInvitationByHash,
  pendingInvitationsOf,
  revokeInvitation as revokeInvitationRow,
  revokePendingInvitationsFor,
} from "./store";

/** Invitations are valid for 7 days (../shared/API.md). */
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

type PendingRow = Awaited<ReturnType<typeof pendingInvitationsOf>>[number];

function invitationView(r: PendingRow) {
  return {
    id: r.id,
    email: r.email,
    role: { id: r.roleId, name: r.roleName },
    invitedBy: r.invitedBy,
    createdAt: iso(r.createdAt) as string,
    expiresAt: iso(r.expiresAt) as string,
  };
}

const invalidToken = (reason: string) => new AuthError("invalid_token", { internal: { reason } });

/**
 * POST /teams/:teamId/invitations (`members:invite`): a single-use link (7 days, hashed at rest) mailed to the
 * address. Never to the Owner role, never with a role granting more than the inviter holds. Re-inviting an
 * address replaces its pending invitation (the old link stops working).
 */
export async function inviteMember(
  ctx: RequestContext,
  input: { auth: Principal; teamId: string; email: string; roleId: string },
) {
  const { teamId } = input;
  const actor = await teamActor(ctx, { auth: input.auth, teamId });
  const role = await findRole(ctx.db, teamId, input.roleId);
  if (!role) throw AuthError.validation([{ path: "roleId", message: "No such role in this team." }]);
  if (role.builtIn === "owner") throw new AuthError("owner_transfer_required");
  assertCanGrant(actor, effectiveOf(actor.roles, role.id));
  await enforceRateLimits(rateLimitDeps(ctx), [["invite:user", actor.userId]]);
  const email = normalizeEmail(input.email);
  const [team, existing, inviter] = await Promise.all([
    findTeamById(ctx.db, teamId),
    findUserByEmail(ctx.db, email),
    findUserById(ctx.db, actor.userId),
  ]);
  if (!team) throw new AuthError("not_found");
  if (existing && (await findMember(ctx.db, teamId, existing.id))) throw new AuthError("already_member");
  const guard = await assertWithinPlan(ctx, teamId, "members", {
    countInvitations: true,
    reinvitedEmail: email,
  });
  await chargeTeamBudget(ctx, { teamId, charge: { invitations: 1, mails: 1 }, actorId: actor.userId });

  const now = ctx.now();
  const id = newId(ctx.random);
  const token = generateToken(ctx.random);
  const expiresAt = now + INVITATION_TTL_MS;
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "invitation",
    to: email,
    data: {
      ...(inviter?.name ? { inviterName: inviter.name } : {}),
      teamName: team.name,
      roleName: role.name,
      acceptUrl: `${ctx.config.PUBLIC_ORIGIN}/invite?token=${token}`,
      expiresDays: 7,
    },
  });
  await commit(ctx, {
    guard,
    writes: [
      revokePendingInvitationsFor(ctx.db, teamId, email, now),
      insertInvitation(ctx.db, {
        id,
        teamId,
        email,
        roleId: role.id,
        tokenHash: await hashToken(token),
        invitedBy: actor.userId,
        createdAt: now,
        expiresAt,
      }),
    ],
    audit: {
      action: "invitation.created",
      ...actorAudit(actor),
      target: { type: "invitation", id },
      metadata: {
        after: { email, roleId: role.id, roleName: role.name, expiresAt },
        ...viaKey(actor),
      },
    },
    mails: [mail],
    after: [
      teamEventEffect(ctx, teamId, {
        type: "invitation.sent",
        data: { invitationId: id, role: { id: role.id, name: role.name } },
      }),
    ],
  });
  return invitationView({
    id,
    email,
    roleId: role.id,
    roleName: role.name,
    invitedBy: actor.userId,
    createdAt: now,
    expiresAt,
  });
}

/** GET /teams/:teamId/invitations: the pending ones, newest first. */
export async function listInvitations(ctx: RequestContext, teamId: string) {
  return (await pendingInvitationsOf(ctx.db, teamId, ctx.now())).map(invitationView);
}

/** DELETE /teams/:teamId/invitations/:id: a pending invitation's link stops working. */
export async function revokeInvitation(
  ctx: RequestContext,
  { auth, teamId, id }: { auth: Principal; teamId: string; id: string },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const now = ctx.now();
  const invitation = await findPendingInvitation(ctx.db, teamId, id, now);
  if (!invitation) throw new AuthError("not_found");
  const [revoked] = await commit(ctx, {
    writes: [revokeInvitationRow(ctx.db, teamId, id, now)],
    audit: {
      action: "invitation.revoked",
      ...actorAudit(actor),
      target: { type: "invitation", id },
      metadata: {
        before: { email: invitation.email, roleId: invitation.roleId, expiresAt: invitation.expiresAt },
        ...viaKey(actor),
      },
    },
  });
  if (revoked.length === 0) throw new AuthError("not_found");
}

async function pendingInvitation(ctx: RequestContext, token: string) {
  if (!isWellFormedToken(token)) throw invalidToken("malformed");
  const invitation = await pendingInvitationByHash(ctx.db, await hashToken(token), ctx.now());
  if (!invitation) throw invalidToken("unknown, used, revoked or expired");
  return invitation;
}

/** The Door B page's view of an invitation link: the address it fixes and the team it joins (nothing else). */
export async function invitationForSignup(
  ctx: RequestContext,
  token: string,
): Promise<{ email: string; teamName: string }> {
  const invitation = await pendingInvitation(ctx, token);
  return { email: invitation.email, teamName: invitation.teamName };
}

/**
 * Door B (POST /auth/register/invite): the invitation proves the address, so the new user is verified and
 * joins with the invited role. The invitation is consumed in the same batch as the user and the membership; a
 * concurrent use of the same link makes the batch fail as a whole. A verified account with the address → 409
 * `email_taken` (sign in and accept instead). A pending Door A registration of the address does not block the
 * invitee (a squatter could otherwise lock them out): it is erased in the same batch — its password, its
 * links and the team it created (registration/pending-registration.ts).
 */
export async function registerWithInvitation(
  ctx: RequestContext,
  input: { inviteToken: string; password: string; name?: string },
): Promise<{ userId: string; teamId: string }> {
  await enforceRateLimits(rateLimitDeps(ctx), [["register:ip", ctx.client.ip ?? "unknown"]]);
  const invitation = await pendingInvitation(ctx, input.inviteToken);
  const email = invitation.email;
  const now = ctx.now();
  const existing = await findUserByEmail(ctx.db, email);
  if (existing && existing.emailVerifiedAt !== null) throw new AuthError("email_taken");
  const guard = await assertWithinPlan(ctx, invitation.teamId, "members");
  const password = await breachedOrPolicyRejection(ctx, { password: input.password, email });
  const passwordHash = hashPassword(password, argon2Params(ctx.config), ctx.random);
  const userId = newId(ctx.random);
  const pending = await erasePendingRegistration(ctx, { pending: existing, replacedBy: userId, door: "B" });
  try {
    await commit(ctx, {
      guard,
      writes: [
        ...pending.writes,
        insertUser(ctx.db, {
          id: userId,
          email,
          name: input.name ?? null,
          passwordHash,
          emailVerifiedAt: now,
          createdAt: now,
          updatedAt: now,
        }),
        consumeInvitationStatement(ctx.db, invitation.id, userId, now),
        invitedMembershipStatement(ctx.db, {
          invitationId: invitation.id,
          teamId: invitation.teamId,
          userId,
          now,
        }),
      ],
      audit: [
        ...pending.audit,
        {
          action: "user.registered",
          actorId: userId,
          target: { type: "user", id: userId },
          teamId: invitation.teamId,
          metadata: { door: "B", invitationId: invitation.id },
        },
        {
          action: "invitation.accepted",
          actorId: userId,
          target: { type: "invitation", id: invitation.id },
          teamId: invitation.teamId,
          metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName }, door: "B" },
        },
        {
          action: "member.joined",
          actorId: userId,
          target: { type: "user", id: userId },
          teamId: invitation.teamId,
          metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName } },
        },
      ],
      after: joinedEvents(ctx, invitation, { id: userId, name: input.name ?? null }),
    });
  } catch (error) {
    if (isUniqueViolation(error, "users.email")) throw new AuthError("email_taken");
    if (isInvitationRace(error)) throw invalidToken("used concurrently");
    throw error;
  }
  return { userId, teamId: invitation.teamId };
}

/**
 * POST /invitations/accept: a signed-in user whose address is the invited one joins the team with the invited
 * role. Another user's invitation is 403 (and stays usable by its addressee).
 */
export async function acceptInvitation(
  ctx: RequestContext,
  { auth, token }: { auth: Principal; token: string },
) {
  const invitation = await pendingInvitation(ctx, token);
  const user = await findUserById(ctx.db, auth.userId);
  if (!user) throw new AuthError("unauthorized");
  if (normalizeEmail(user.email) !== invitation.email) {
    throw new AuthError("forbidden", { internal: { reason: "invitation addressed to another email" } });
  }
  if (await findMember(ctx.db, invitation.teamId, user.id)) throw new AuthError("already_member");
  const guard = await assertWithinPlan(ctx, invitation.teamId, "members");
  const now = ctx.now();
  try {
    await commit(ctx, {
      guard,
      writes: [
        consumeInvitationStatement(ctx.db, invitation.id, user.id, now),
        invitedMembershipStatement(ctx.db, {
          invitationId: invitation.id,
          teamId: invitation.teamId,
          userId: user.id,
          now,
        }),
      ],
      audit: [
        {
          action: "invitation.accepted",
          actorId: user.id,
          target: { type: "invitation", id: invitation.id },
          teamId: invitation.teamId,
          metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName } },
        },
        {
          action: "member.joined",
          actorId: user.id,
          target: { type: "user", id: user.id },
          teamId: invitation.teamId,
          metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName } },
        },
      ],
      after: joinedEvents(ctx, invitation, user),
    });
  } catch (error) {
    if (isInvitationRace(error)) throw invalidToken("used concurrently");
    if (isUniqueViolation(error, "memberships")) throw new AuthError("already_member");
    throw error;
  }
  return {
    team: { id: invitation.teamId, slug: invitation.teamSlug, name: invitation.teamName },
    role: { id: invitation.roleId, name: invitation.roleName },
  };
}

/** The team events of an accepted invitation (Door B or a signed-in accept): ids, name and role, no email. */
function joinedEvents(
  ctx: RequestContext,
  invitation: { id: string; teamId: string; roleId: string; roleName: string },
  user: { id: string; name: string | null },
) {
  const role = { id: invitation.roleId, name: invitation.roleName };
  return [
    teamEventEffect(ctx, invitation.teamId, {
      type: "invitation.accepted",
      data: { invitationId: invitation.id, userId: user.id, role },
    }),
    teamEventEffect(ctx, invitation.teamId, {
      type: "member.joined",
      data: { userId: user.id, name: user.name, role },
    }),
  ];
}
