import type { Principal } from "../../auth/principal";
import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { findMember, findTeamById } from "../../db/teams";
import { findUserById } from "../../db/users";
import { dispatchEmails, type PreparedEmail, prepareEmail } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import { outboxDeps, type ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { revokeKeysBeyondCreators } from "../api-keys/api-keys";
import { actorAudit, effectiveOf, teamActor } from "../teams/team-actor";
import {
  acceptTransfer,
  cancelPendingTransfers,
  declineTransferStatement,
  insertOwnershipTransfer,
  liveTransferByHash,
} from "./store";

/** An ownership-transfer proposal is valid for 7 days. */
export const OWNERSHIP_TRANSFER_TTL_MS = 7 * 24 * 3600 * 1000;

const invalidToken = (reason: string) => new AuthError("invalid_token", { internal: { reason } });

async function ownerActor(s: ServiceDeps, auth: Principal, teamId: string) {
  // Like every team-scoped route: the session must be bound to the team the path names.
  if (auth.team !== teamId)
    throw new AuthError("forbidden", { internal: { reason: "token bound to another team" } });
  const actor = await teamActor(s, auth, teamId);
  if (!actor.isOwner) throw new AuthError("forbidden", { internal: { reason: "not the owner" } });
  return actor;
}

/**
 * POST /teams/:teamId/ownership-transfer: the Owner proposes a member; the addressee gets a mail with accept and
 * decline links (one token, 7 days, hashed at rest). A new proposal replaces a pending one.
 */
export async function proposeTransfer(
  s: ServiceDeps,
  client: ClientInfo,
  auth: Principal,
  teamId: string,
  toUserId: string,
) {
  const actor = await ownerActor(s, auth, teamId);
  if (toUserId === actor.userId) {
    throw AuthError.validation([{ path: "toUserId", message: "You already own this team." }]);
  }
  const [member, team, from] = await Promise.all([
    findMember(s.db, teamId, toUserId),
    findTeamById(s.db, teamId),
    findUserById(s.db, actor.userId),
  ]);
  if (!member) throw AuthError.validation([{ path: "toUserId", message: "Not a member of this team." }]);
  if (!team) throw new AuthError("not_found");
  const now = s.now();
  const id = newId(s.random);
  const token = generateToken(s.random);
  const expiresAt = now + OWNERSHIP_TRANSFER_TTL_MS;
  const origin = s.config.PUBLIC_ORIGIN;
  const mail = await prepareEmail(outboxDeps(s), {
    template: "ownership_transfer",
    to: member.email,
    data: {
      ...(member.name ? { name: member.name } : {}),
      ...(from?.name ? { fromName: from.name } : {}),
      teamName: team.name,
      acceptUrl: `${origin}/ownership-transfer/accept?token=${token}`,
      declineUrl: `${origin}/ownership-transfer/decline?token=${token}`,
      expiresDays: 7,
    },
  });
  await s.db.batch([
    cancelPendingTransfers(s.db, teamId, now),
    insertOwnershipTransfer(s.db, {
      id,
      teamId,
      fromUserId: actor.userId,
      toUserId,
      tokenHash: await hashToken(token),
      createdAt: now,
      expiresAt,
    }),
    auditStatement(s, client, {
      action: "ownership.transfer_proposed",
      ...actorAudit(actor),
      target: { type: "user", id: toUserId },
      metadata: { transferId: id, expiresAt },
    }),
    mail.statement,
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
  return {
    id,
    teamId,
    fromUserId: actor.userId,
    toUserId,
    status: "pending" as const,
    createdAt: iso(now) as string,
    expiresAt: iso(expiresAt) as string,
  };
}

/** DELETE /teams/:teamId/ownership-transfer: the Owner withdraws the pending proposal; its link stops working. */
export async function cancelTransfer(s: ServiceDeps, client: ClientInfo, auth: Principal, teamId: string) {
  const actor = await ownerActor(s, auth, teamId);
  const cancelled = await cancelPendingTransfers(s.db, teamId, s.now());
  if (cancelled.length === 0) {
    throw new AuthError("not_found", { detail: "There is no pending ownership transfer." });
  }
  await auditStatement(s, client, {
    action: "ownership.transfer_cancelled",
    ...actorAudit(actor),
    target: { type: "team", id: teamId },
    metadata: { before: cancelled.map((t) => ({ transferId: t.id, toUserId: t.toUserId })) },
  });
}

async function liveTransfer(s: ServiceDeps, auth: Principal, token: string) {
  if (!isWellFormedToken(token)) throw invalidToken("malformed");
  const row = await liveTransferByHash(s.db, await hashToken(token), s.now());
  if (!row) throw invalidToken("unknown, decided, cancelled or expired");
  if (row.transfer.toUserId !== auth.userId) {
    throw new AuthError("forbidden", { internal: { reason: "transfer addressed to another user" } });
  }
  return row;
}

/**
 * POST /ownership-transfers/accept: the roles swap in one D1 batch (the old Owner becomes Manager); both are
 * told by mail. The members' tokens carry their new roles from their next refresh.
 */
export async function acceptOwnership(s: ServiceDeps, client: ClientInfo, auth: Principal, token: string) {
  const { transfer, teamName } = await liveTransfer(s, auth, token);
  const actor = await teamActor(s, auth, transfer.teamId);
  const owner = actor.roles.find((r) => r.builtIn === "owner");
  const manager = actor.roles.find((r) => r.builtIn === "manager");
  if (!owner || !manager)
    throw new AuthError("internal_error", { internal: { reason: "built-in roles missing" } });
  const now = s.now();
  const swapped = await acceptTransfer(s.db, transfer, { owner: owner.id, manager: manager.id }, now);
  if (!swapped) {
    throw new AuthError("conflict", {
      detail: "This transfer can no longer be completed: the team's members or roles changed.",
    });
  }
  const managerPermissions = effectiveOf(actor.roles, manager.id);
  const keyRevocations = await revokeKeysBeyondCreators(s, client, transfer.teamId, auth.userId, (uid) =>
    uid === transfer.fromUserId ? managerPermissions : undefined,
  );
  const [from, to] = await Promise.all([
    findUserById(s.db, transfer.fromUserId),
    findUserById(s.db, transfer.toUserId),
  ]);
  const mails: PreparedEmail[] = [];
  for (const user of [from, to]) {
    if (!user) continue;
    mails.push(
      await prepareEmail(outboxDeps(s), {
        template: "security_alert",
        to: user.email,
        data: {
          ...(user.name ? { name: user.name } : {}),
          event:
            `Ownership of the team ${teamName} moved from ${from?.email ?? "its previous owner"} to ` +
            `${to?.email ?? "a new owner"}. The previous owner is now a Manager.`,
        },
      }),
    );
  }
  await s.db.batch([
    auditStatement(s, client, {
      action: "ownership.transferred",
      actorId: auth.userId,
      teamId: transfer.teamId,
      target: { type: "team", id: transfer.teamId },
      metadata: {
        transferId: transfer.id,
        before: { owner: transfer.fromUserId },
        after: { owner: transfer.toUserId, previousOwnerRole: manager.name },
      },
    }),
    ...mails.map((m) => m.statement),
    ...keyRevocations,
  ]);
  await dispatchEmails(
    outboxDeps(s),
    mails.map((m) => m.message),
  );
  return { team: { id: transfer.teamId, name: teamName }, role: { id: owner.id, name: owner.name } };
}

/** POST /ownership-transfers/decline: nothing changes; the proposal is closed. */
export async function declineOwnership(s: ServiceDeps, client: ClientInfo, auth: Principal, token: string) {
  const { transfer } = await liveTransfer(s, auth, token);
  const [declined] = await s.db.batch([
    declineTransferStatement(s.db, transfer.id, auth.userId, s.now()),
    auditStatement(s, client, {
      action: "ownership.transfer_declined",
      actorId: auth.userId,
      teamId: transfer.teamId,
      target: { type: "team", id: transfer.teamId },
      metadata: { transferId: transfer.id },
    }),
  ]);
  if (declined.length === 0) throw invalidToken("decided concurrently");
}
