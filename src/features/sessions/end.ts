import { cutMemberTokensAtEdge, type MemberCut, revokeAtEdge } from "../../auth/revocation";
import type { RequestContext } from "../../platform/context";
import { type AfterCommit, commit } from "../../platform/unit-of-work";
import { streamCutsForMembers, streamCutsForSessions } from "../events/cuts";
import { releaseSlots } from "./single-session";
import { revokeSessionStatement } from "./store";

/**
 * How every session ends — logout, revocation by its user, refresh-token reuse, password reset or change,
 * member removal, team deletion, a concurrent login's approve: revoked in D1 (no more refreshes) in the caller's
 * batch, then, after the commit, an edge revocation record in KV (its access tokens die at once; critical) and
 * its single-session slot freed (best effort: D1 decides liveness anyway; `slotsAlreadyFree` when the gate itself
 * evicted them, as a login replacing dead sessions does).
 */
export interface EndedSession {
  id: string;
  userId: string;
  /** The session's access epoch when it ended: the edge record kills that epoch's tokens (revocation.ts). */
  accessEpoch: number;
  /** The team the ended epoch's tokens were for, when known: its event streams are cut at once (events/cuts.ts). */
  teamId?: string | null;
}

/** The after-commit effects of sessions the caller's batch revoked in D1. */
export function sessionsEnded(
  ctx: RequestContext,
  sessions: readonly EndedSession[],
  reason: string,
  options: { slotsAlreadyFree?: boolean } = {},
): AfterCommit[] {
  if (sessions.length === 0) return [];
  const byUser = new Map<string, string[]>();
  for (const s of sessions) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s.id]);
  return [
    {
      name: "sessions.revoke_at_edge",
      critical: true,
      run: () =>
        revokeAtEdge(
          { kv: ctx.kv, now: ctx.now, accessTokenTtl: ctx.config.ACCESS_TOKEN_TTL },
          sessions,
          reason,
        ),
    },
    ...streamCutsForSessions(ctx, sessions),
    ...(options.slotsAlreadyFree
      ? []
      : [
          {
            name: "sessions.release_slots",
            run: () =>
              Promise.all(
                [...byUser].map(([userId, sessionIds]) => releaseSlots(ctx, { userId, sessionIds })),
              ),
          },
        ]),
  ];
}

/** Ends sessions of one user by id (logout, or the user revoking one of their sessions), audited. */
export async function endSessions(
  ctx: RequestContext,
  input: { userId: string; sessionIds: readonly string[]; action: "session.logout" | "session.revoked" },
): Promise<void> {
  const { userId, sessionIds, action } = input;
  if (sessionIds.length === 0) return;
  const now = ctx.now();
  const reason = action === "session.logout" ? "logout" : "revoked";
  await commit(ctx, {
    writes: sessionIds.map((id) => revokeSessionStatement(ctx.db, id, now, reason)),
    audit: sessionIds.map((id) => ({
      action,
      actorId: userId,
      target: { type: "user" as const, id: userId },
      metadata: { sessionId: id },
    })),
    after: (revoked) => sessionsEnded(ctx, revoked.flat(), action),
  });
}

/**
 * The after-commit effect of a membership change the caller's batch made (member removed, role changed, a
 * permission of the role withdrawn, ownership moved): every access token of these members for the team with a
 * membership stamp below their cut-off dies at the edge at once (critical), whichever team their sessions are in
 * now. The batch re-stamped the remaining memberships (a strictly greater stamp, the cut-off: `memberCuts`) or
 * deleted them (cut-off above the last stamp: `removedMemberCuts`), so tokens minted from now on live.
 */
export function memberTokensEnded(
  ctx: RequestContext,
  change: { teamId: string; cuts: readonly MemberCut[]; reason: string },
): AfterCommit[] {
  if (change.cuts.length === 0) return [];
  return [
    {
      name: "members.cut_tokens_at_edge",
      critical: true,
      run: () =>
        cutMemberTokensAtEdge(
          { kv: ctx.kv, now: ctx.now, accessTokenTtl: ctx.config.ACCESS_TOKEN_TTL },
          change,
        ),
    },
    ...streamCutsForMembers(ctx, change),
  ];
}

/** Cut-offs of re-stamped memberships (the statements answer each member's new stamp). */
export function memberCuts(rows: readonly { userId: string; accessStamp: number }[]): MemberCut[] {
  return rows.map((r) => ({ userId: r.userId, before: r.accessStamp }));
}

/** Cut-offs of removed memberships: above their last stamp, and not in the future of a later re-join. */
export function removedMemberCuts(
  rows: readonly { userId: string; accessStamp: number }[],
  now: number,
): MemberCut[] {
  return rows.map((r) => ({ userId: r.userId, before: Math.max(now, r.accessStamp + 1) }));
}
