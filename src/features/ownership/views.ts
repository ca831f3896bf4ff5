import type { Principal } from "../../auth/principal";
import { hashToken, isWellFormedToken } from "../../crypto/tokens";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { iso } from "../../platform/iso-time";
import { teamActor } from "../teams/team-actor";
import { liveTransferByHash, pendingTransferOf } from "./store";

/**
 * What the ownership pages show before anything is decided: the mailed link's proposal (its team, and whether
 * it is addressed to the signed-in user) and the team's pending proposal on the Owner's page. Reads only.
 */
export type TransferPreview =
  | { status: "invalid" }
  | { status: "live"; teamName: string; expiresAt: string; forSignedInUser: boolean | null };

/** The mailed link's proposal; `forSignedInUser` is null when nobody is signed in. */
export async function previewTransfer(
  ctx: RequestContext,
  { token, auth }: { token: string; auth: Principal | null },
): Promise<TransferPreview> {
  if (!isWellFormedToken(token)) return { status: "invalid" };
  const row = await liveTransferByHash(ctx.db, await hashToken(token), ctx.now());
  if (!row) return { status: "invalid" };
  return {
    status: "live",
    teamName: row.teamName,
    expiresAt: iso(row.transfer.expiresAt) as string,
    forSignedInUser: auth ? row.transfer.toUserId === auth.userId : null,
  };
}

/** The team's pending proposal, for its Owner (403 for anyone else, like the API's owner-only routes). */
export async function pendingTransfer(
  ctx: RequestContext,
  { auth, teamId }: { auth: Principal; teamId: string },
): Promise<{ toUserId: string; createdAt: string; expiresAt: string } | null> {
  const actor = await teamActor(ctx, { auth, teamId });
  if (!actor.isOwner || auth.team !== teamId) {
    throw new AuthError("forbidden", { internal: { reason: "not the owner" } });
  }
  const row = await pendingTransferOf(ctx.db, teamId, ctx.now());
  if (!row) return null;
  return {
    toUserId: row.toUserId,
    createdAt: iso(row.createdAt) as string,
    expiresAt: iso(row.expiresAt) as string,
  };
}
