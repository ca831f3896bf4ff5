import type { Cuts } from "../../../durable-objects/team-events";
import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import type { AfterCommit } from "../../platform/unit-of-work";
import { teamEventsStub } from "./publish";

/**
 * Revocation pushed to the event stream: when sessions end or a membership changes, the team's object closes
 * the affected subscribers at once (their Workers end the SSE response with `event: end` `revoked`), instead
 * of every open stream polling the revocation records. Called from sessions/end.ts next to the edge revocation
 * records, so every path that kills tokens also cuts their streams. Not critical: if the object cannot be
 * reached its subscribers' sockets are failing too, and a stream never outlives its token (≤ ACCESS_TOKEN_TTL).
 */
export function streamCutsForSessions(
  ctx: RequestContext,
  sessions: readonly { id: string; accessEpoch: number; teamId?: string | null }[],
): AfterCommit[] {
  const byTeam = new Map<string, { sid: string; accessEpoch: number }[]>();
  for (const s of sessions) {
    if (!s.teamId) continue;
    byTeam.set(s.teamId, [...(byTeam.get(s.teamId) ?? []), { sid: s.id, accessEpoch: s.accessEpoch }]);
  }
  return [...byTeam].map(([teamId, cut]) => ({
    name: "events.cut_sessions",
    run: () => cutStreams(ctx, teamId, { sessions: cut }),
  }));
}

/** The streams of members whose tokens for the team a membership change cut off (memberTokensEnded). */
export function streamCutsForMembers(
  ctx: RequestContext,
  change: { teamId: string; cuts: readonly { userId: string; before: number }[] },
): AfterCommit[] {
  if (change.cuts.length === 0) return [];
  return [
    { name: "events.cut_members", run: () => cutStreams(ctx, change.teamId, { members: change.cuts }) },
  ];
}

async function cutStreams(ctx: RequestContext, teamId: string, cuts: Cuts): Promise<void> {
  try {
    const closed = await teamEventsStub(ctx, teamId).cut(cuts);
    if (closed > 0) logger.debug("event streams cut", { teamId, closed });
  } catch (error) {
    logger.warn("event streams not cut", { teamId, error });
  }
}
