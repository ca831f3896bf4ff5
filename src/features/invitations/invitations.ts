import type { Principal } from "../../auth/principal";
import { hashPassword } from "../../crypto/password";
import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { isUniqueViolation } from "../../db/client";
import { findMember, findRole, findTeamById } from "../../db/teams";
import {
  findUserByEmail,
  findUserById,
  insertUser,
  isRegistrationExpired,
  purgeUnverifiedUserStatements,
} from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import { argon2Params, outboxDeps, rateLimitDeps, type ServiceDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { enforceRateLimits } from "../../platform/rate-limits";
import { breachedOrPolicyRejection } from "../passwords/rules";
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
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  teamId: string,
  input: { email: string; roleId: string },
) {
  const actor = await teamActor(s, auth, teamId);
  const role = await findRole(s.db, teamId, input.roleId);
  if (!role) throw AuthError.validation([{ path: "roleId", message: "No such role in this team." }]);
  if (role.builtIn === "owner") throw new AuthError("owner_transfer_required");
  assertCanGrant(actor, effectiveOf(actor.roles, role.id));
  await enforceRateLimits(rateLimitDeps(s), [["invite:user", actor.userId]]);
  const email = normalizeEmail(input.email);
  const [team, existing, inviter] = await Promise.all([
    findTeamById(s.db, teamId),
    findUserByEmail(s.db, email),
    findUserById(s.db, actor.userId),
  ]);
  if (!team) throw new AuthError("not_found");
  if (existing && (await findMember(s.db, teamId, existing.id))) throw new AuthError("already_member");

  const now = s.now();
  const id = newId(s.random);
  const token = generateToken(s.random);
  const expiresAt = now + INVITATION_TTL_MS;
  const mail = await prepareEmail(outboxDeps(s), {
    template: "invitation",
    to: email,
    data: {
      ...(inviter?.name ? { inviterName: inviter.name } : {}),
      teamName: team.name,
      roleName: role.name,
      acceptUrl: `${s.config.PUBLIC_ORIGIN}/invite?token=${token}`,
      expiresDays: 7,
    },
  });
  await s.db.batch([
    revokePendingInvitationsFor(s.db, teamId, email, now),
    insertInvitation(s.db, {
      id,
      teamId,
      email,
      roleId: role.id,
      tokenHash: await hashToken(token),
      invitedBy: actor.userId,
      createdAt: now,
      expiresAt,
    }),
    auditStatement(s, client, {
      action: "invitation.created",
      ...actorAudit(actor),
      target: { type: "invitation", id },
      metadata: {
        after: { email, roleId: role.id, roleName: role.name, expiresAt },
        ...viaKey(actor),
      },
    }),
    mail.statement,
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
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
export async function listInvitations(s: ServiceDeps, teamId: string) {
  return (await pendingInvitationsOf(s.db, teamId, s.now())).map(invitationView);
}

/** DELETE /teams/:teamId/invitations/:id: a pending invitation's link stops working. */
export async function revokeInvitation(
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  teamId: string,
  id: string,
) {
  const actor = await teamActor(s, auth, teamId);
  const now = s.now();
  const invitation = await findPendingInvitation(s.db, teamId, id, now);
  if (!invitation) throw new AuthError("not_found");
  const [revoked] = await s.db.batch([
    revokeInvitationRow(s.db, teamId, id, now),
    auditStatement(s, client, {
      action: "invitation.revoked",
      ...actorAudit(actor),
      target: { type: "invitation", id },
      metadata: {
        before: { email: invitation.email, roleId: invitation.roleId, expiresAt: invitation.expiresAt },
        ...viaKey(actor),
      },
    }),
  ]);
  if (revoked.length === 0) throw new AuthError("not_found");
}

async function pendingInvitation(s: ServiceDeps, token: string) {
  if (!isWellFormedToken(token)) throw invalidToken("malformed");
  const invitation = await pendingInvitationByHash(s.db, await hashToken(token), s.now());
  if (!invitation) throw invalidToken("unknown, used, revoked or expired");
  return invitation;
}

/**
 * Door B (POST /auth/register/invite): the invitation proves the address, so the new user is verified and
 * joins with the invited role. The invitation is consumed in the same batch as the user and the membership; a
 * concurrent use of the same link makes the batch fail as a whole. A verified account with the address → 409
 * `email_taken` (sign in and accept instead); so does a pending Door A registration that has not expired.
 */
export async function registerWithInvitation(
  s: ServiceDeps,
  client: ClientInfo,
  input: { inviteToken: string; password: string; name?: string },
): Promise<{ userId: string; teamId: string }> {
  await enforceRateLimits(rateLimitDeps(s), [["register:ip", client.ip ?? "unknown"]]);
  const invitation = await pendingInvitation(s, input.inviteToken);
  const email = invitation.email;
  const now = s.now();
  const existing = await findUserByEmail(s.db, email);
  let purge: ReturnType<typeof purgeUnverifiedUserStatements> | [] = [];
  if (existing) {
    if (existing.emailVerifiedAt !== null || !(await isRegistrationExpired(s.db, existing.id, now))) {
      throw new AuthError("email_taken");
    }
    purge = purgeUnverifiedUserStatements(s.db, existing.id);
  }
  const password = await breachedOrPolicyRejection(s, input.password, email);
  const passwordHash = hashPassword(password, argon2Params(s.config), s.random);
  const userId = newId(s.random);
  try {
    await s.db.batch([
      ...purge,
      insertUser(s.db, {
        id: userId,
        email,
        name: input.name ?? null,
        passwordHash,
        emailVerifiedAt: now,
        createdAt: now,
        updatedAt: now,
      }),
      consumeInvitationStatement(s.db, invitation.id, userId, now),
      invitedMembershipStatement(s.db, invitation.id, invitation.teamId, userId, now),
      auditStatement(s, client, {
        action: "user.registered",
        actorId: userId,
        target: { type: "user", id: userId },
        teamId: invitation.teamId,
        metadata: { door: "B", invitationId: invitation.id },
      }),
      auditStatement(s, client, {
        action: "invitation.accepted",
        actorId: userId,
        target: { type: "invitation", id: invitation.id },
        teamId: invitation.teamId,
        metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName }, door: "B" },
      }),
      auditStatement(s, client, {
        action: "member.joined",
        actorId: userId,
        target: { type: "user", id: userId },
        teamId: invitation.teamId,
        metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName } },
      }),
    ]);
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
export async function acceptInvitation(s: ServiceDeps, client: ClientInfo, auth: Principal, token: string) {
  const invitation = await pendingInvitation(s, token);
  const user = await findUserById(s.db, auth.userId);
  if (!user) throw new AuthError("unauthorized");
  if (normalizeEmail(user.email) !== invitation.email) {
    throw new AuthError("forbidden", { internal: { reason: "invitation addressed to another email" } });
  }
  if (await findMember(s.db, invitation.teamId, user.id)) throw new AuthError("already_member");
  const now = s.now();
  try {
    await s.db.batch([
      consumeInvitationStatement(s.db, invitation.id, user.id, now),
      invitedMembershipStatement(s.db, invitation.id, invitation.teamId, user.id, now),
      auditStatement(s, client, {
        action: "invitation.accepted",
        actorId: user.id,
        target: { type: "invitation", id: invitation.id },
        teamId: invitation.teamId,
        metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName } },
      }),
      auditStatement(s, client, {
        action: "member.joined",
        actorId: user.id,
        target: { type: "user", id: user.id },
        teamId: invitation.teamId,
        metadata: { after: { roleId: invitation.roleId, roleName: invitation.roleName } },
      }),
    ]);
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
