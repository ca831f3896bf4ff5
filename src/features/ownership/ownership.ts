import type { Principal } from "../../auth/principal";
import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { findMember, findTeamById } from "../../db/teams";
import { findUserById } from "../../db/users";
import { mailName } from "../../email/link-like";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { type PreparedEmail, prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { revokeKeysBeyondCreators } from "../api-keys/creator-bound";
import { teamEventEffect } from "../events/publish";
import { memberCuts, memberTokensEnded } from "../sessions/end";
import { chargeTeamBudget } from "../team-budgets/spend";
import { actorAudit, effectiveOf, teamActor } from "../teams/team-actor";
import {
  acceptTransferStatements,
  cancelPendingTransfers,
  declineTransferStatement,
  insertOwnershipTransfer,
  liveTransferByHash,
  swapHappened,
} from "./store";

/** An ownership-transfer proposal is valid for 7 days. */
export const OWNERSHIP_TRANSFER_TTL_MS = 7 * 24 * 3600 * 1000;

const invalidToken = (reason: string) => new AuthError("invalid_token", { internal: { reason } });

async function ownerActor(ctx: RequestContext, { auth, teamId }: { auth: Principal; teamId: string }) {
  // Like every team-scoped route: the session must be bound to the team the path names.
  if (auth.team !== teamId)
    throw new AuthError("forbidden", { internal: { reason: "token bound to another team" } });
  const actor = await teamActor(ctx, { auth, teamId });
  if (!actor.isOwner) throw new AuthError("forbidden", { internal: { reason: "not the owner" } });
  return actor;
}

/**
 * POST /teams/:teamId/ownership-transfer: the Owner proposes a member; the addressee gets a mail with accept and
 * decline links (one token, 7 days, hashed at rest). A new proposal replaces a pending one.
 */
export async function proposeTransfer(
  ctx: RequestContext,
  { auth, teamId, toUserId }: { auth: Principal; teamId: string; toUserId: string },
) {
  const actor = await ownerActor(ctx, { auth, teamId });
  if (toUserId === actor.userId) {
    throw AuthError.validation([{ path: "toUserId", message: "You already own this team." }]);
  }
  const [member, team, from] = await Promise.all([
    findMember(ctx.db, teamId, toUserId),
    findTeamById(ctx.db, teamId),
    findUserById(ctx.db, actor.userId),
  ]);
  if (!member) throw AuthError.validation([{ path: "toUserId", message: "Not a member of this team." }]);
  if (!team) throw new AuthError("not_found");
  await chargeTeamBudget(ctx, { teamId, charge: { mails: 1 }, actorId: actor.userId });
  const now = ctx.now();
  const id = newId(ctx.random);
  const token = generateToken(ctx.random);
  const expiresAt = now + OWNERSHIP_TRANSFER_TTL_MS;
  const origin = ctx.config.PUBLIC_ORIGIN;
  const mail = await prepareEmail(outboxDeps(ctx), {
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
  await commit(ctx, {
    writes: [
      cancelPendingTransfers(ctx.db, teamId, now),
      insertOwnershipTransfer(ctx.db, {
        id,
        teamId,
        fromUserId: actor.userId,
        toUserId,
        tokenHash: await hashToken(token),
        createdAt: now,
        expiresAt,
      }),
    ],
    audit: {
      action: "ownership.transfer_proposed",
      ...actorAudit(actor),
      target: { type: "user", id: toUserId },
      metadata: { transferId: id, expiresAt },
    },
    mails: [mail],
  });
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
export async function cancelTransfer(
  ctx: RequestContext,
  { auth, teamId }: { auth: Principal; teamId: string },
) {
  const actor = await ownerActor(ctx, { auth, teamId });
  const cancelled = await cancelPendingTransfers(ctx.db, teamId, ctx.now());
  if (cancelled.length === 0) {
    throw new AuthError("not_found", { detail: "There is no pending ownership transfer." });
  }
  await commit(ctx, {
    audit: {
      action: "ownership.transfer_cancelled",
      ...actorAudit(actor),
      target: { type: "team", id: teamId },
      metadata: { before: cancelled.map((t) => ({ transferId: t.id, toUserId: t.toUserId })) },
    },
  });
}

async function liveTransfer(ctx: RequestContext, { auth, token }: { auth: Principal; token: string }) {
  if (!isWellFormedToken(token)) throw invalidToken("malformed");
  const row = await liveTransferByHash(ctx.db, await hashToken(token), ctx.now());
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
export async function acceptOwnership(
  ctx: RequestContext,
  { auth, token }: { auth: Principal; token: string },
) {
  const { transfer, teamName } = await liveTransfer(ctx, { auth, token });
  const actor = await teamActor(ctx, { auth, teamId: transfer.teamId });
  const owner = actor.roles.find((r) => r.builtIn === "owner");
  const manager = actor.roles.find((r) => r.builtIn === "manager");
  if (!owner || !manager)
    throw new AuthError("internal_error", { internal: { reason: "built-in roles missing" } });
  const now = ctx.now();
  const swap = await commit(ctx, {
    writes: acceptTransferStatements(ctx.db, transfer, { owner: owner.id, manager: manager.id }, now),
    // Both roles changed: every token either of them holds for the team dies now (their next refresh has the new role).
    after: (results) =>
      swapHappened(results)
        ? memberTokensEnded(ctx, {
            teamId: transfer.teamId,
            cuts: memberCuts([...results[1], ...results[2]]),
            reason: "ownership_transferred",
          })
        : [],
  });
  if (!swapHappened(swap)) {
    throw new AuthError("conflict", {
      detail: "This transfer can no longer be completed: the team's members or roles changed.",
    });
  }
  const managerPermissions = effectiveOf(actor.roles, manager.id);
  const keyRevocations = await revokeKeysBeyondCreators(ctx, {
    teamId: transfer.teamId,
    actorId: auth.userId,
    permissionsOf: (uid) => (uid === transfer.fromUserId ? managerPermissions : undefined),
  });
  const [from, to] = await Promise.all([
    findUserById(ctx.db, transfer.fromUserId),
    findUserById(ctx.db, transfer.toUserId),
  ]);
  const mails: PreparedEmail[] = [];
  for (const user of [from, to]) {
    if (!user) continue;
    mails.push(
      await prepareEmail(outboxDeps(ctx), {
        template: "security_alert",
        to: user.email,
        data: {
          ...(user.name ? { name: user.name } : {}),
          event:
            `Ownership of the team ${mailName(teamName)} moved from ${from?.email ?? "its previous owner"} to ` +
            `${to?.email ?? "a new owner"}. The previous owner is now a Manager.`,
        },
      }),
    );
  }
  await commit(ctx, {
    writes: keyRevocations.writes,
    audit: [
      {
        action: "ownership.transferred",
        actorId: auth.userId,
        teamId: transfer.teamId,
        target: { type: "team", id: transfer.teamId },
        metadata: {
          transferId: transfer.id,
          before: { owner: transfer.fromUserId },
          after: { owner: transfer.toUserId, previousOwnerRole: manager.name },
        },
      },
      ...keyRevocations.audit,
    ],
    mails,
    after: [
      teamEventEffect(ctx, transfer.teamId, {
        type: "ownership.transferred",
        data: { fromUserId: transfer.fromUserId, toUserId: transfer.toUserId },
      }),
      ...keyRevocations.after,
    ],
  });
  return { team: { id: transfer.teamId, name: teamName }, role: { id: owner.id, name: owner.name } };
}

/** POST /ownership-transfers/decline: nothing changes; the proposal is closed. */
export async function declineOwnership(
  ctx: RequestContext,
  { auth, token }: { auth: Principal; token: string },
) {
  const { transfer } = await liveTransfer(ctx, { auth, token });
  const [declined] = await commit(ctx, {
    writes: [declineTransferStatement(ctx.db, transfer.id, auth.userId, ctx.now())],
    audit: {
      action: "ownership.transfer_declined",
      actorId: auth.userId,
      teamId: transfer.teamId,
      target: { type: "team", id: transfer.teamId },
      metadata: { transferId: transfer.id },
    },
  });
  if (declined.length === 0) throw invalidToken("decided concurrently");
}
