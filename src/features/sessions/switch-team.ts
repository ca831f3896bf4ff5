import type { Principal } from "../../auth/principal";
import { recordedBinding } from "../../auth/session-binding";
import { generateToken, hashToken } from "../../crypto/tokens";
import { findUserById } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit, runAfterCommit } from "../../platform/unit-of-work";
import { chargeTeamLogin } from "../team-budgets/spend";
import { sessionsEnded } from "./end";
import { amrColumn, issueSessionTokens, type SessionTokens, teamGrant } from "./session-tokens";
import { findSession, insertRefreshToken, switchSessionTeamStatements } from "./store";

/** POST /auth/session-exchange with a live session: the same session, now for another team. */
export async function switchTeam(
  ctx: RequestContext,
  input: { auth: Pick<Principal, "userId" | "sid">; teamId: string | null },
): Promise<SessionTokens> {
  const now = ctx.now();
  const session = await findSession(ctx.db, input.auth.sid);
  if (!session || session.revokedAt !== null || session.expiresAt <= now) {
    throw new AuthError("unauthorized", { detail: "Your session has ended. Please sign in again." });
  }
  const user = await findUserById(ctx.db, input.auth.userId);
  if (!user) throw new AuthError("unauthorized");
  const grant = await teamGrant(ctx, { userId: user.id, teamId: input.teamId });
  if (grant.team?.id !== session.teamId) await chargeTeamLogin(ctx, { grant, userId: user.id });
  const refreshToken = generateToken(ctx.random);
  const [moved] = await commit(ctx, {
    writes: [
      ...switchSessionTeamStatements(ctx.db, {
        sessionId: session.id,
        userId: user.id,
        teamId: grant.team?.id ?? null,
        now,
      }),
      insertRefreshToken(ctx.db, await hashToken(refreshToken), session.id, now),
    ],
    audit: {
      action: "session.team_switched",
      actorId: user.id,
      target: { type: "user", id: user.id },
      teamId: grant.team?.id ?? null,
      metadata: { sessionId: session.id, from: session.teamId },
    },
  });
  const accessEpoch = moved[0]?.accessEpoch;
  // Nothing moved: the session ended, or the membership went away, between the reads and the write.
  if (accessEpoch === undefined)
    throw new AuthError("forbidden", { internal: { reason: "switch lost a race" } });
  // The token being replaced (the old epoch's) dies at once; the new one carries the new epoch.
  await runAfterCommit(
    ctx,
    sessionsEnded(
      ctx,
      [{ id: session.id, userId: user.id, accessEpoch: accessEpoch - 1, teamId: session.teamId }],
      "team_switched",
      { slotsAlreadyFree: true },
    ),
  );
  return issueSessionTokens(ctx, {
    user,
    sessionId: session.id,
    refreshToken,
    expiresAt: session.expiresAt,
    rememberMe: session.rememberMe,
    grant,
    accessEpoch,
    authentication: { at: session.authTime, amr: amrColumn.read(session.amr) },
    binding: recordedBinding(session),
  });
}
