import type { ClaimResult } from "../../../durable-objects/user-session-gate";
import { toBase64url } from "../../crypto/encoding";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit } from "../../platform/unit-of-work";
import type { SessionAuthentication } from "./session-tokens";
import { findSession, type SessionRow } from "./store";

/**
 * Single-session enforcement (../shared/API.md "Single session"). The UserSessionGate Durable
 * Object of a user is the one place that decides which session is live, so two logins racing each other
 * cannot both win; D1 stays the truth about whether the holder is still alive (revoked, idle or expired
 * sessions give the slot up without asking). A login that meets a live holder gets 409 `concurrent_session`
 * with a single-use decision token (5 minutes, bound to the login's device): approve ends the other session
 * and creates this one, deny creates nothing.
 */

/** What a login needs to become a session once its user approves ending the other one. */
export interface PendingLogin {
  userId: string;
  device: string;
  rememberMe: boolean;
  teamId: string | null;
  /** The pre-auth token that reached session-exchange: it still creates at most one session. */
  jti: string;
  /** The session the user was asked about. */
  holder: string;
  /** The security stamp fingerprint the login ran under (login/pre-auth.ts): a reset meanwhile voids the decision. */
  stamp: string;
  /**
   * When and how the login authenticated (the password step's time; `mfa` after a second factor): the session's
   * first `auth_time`/`amr`. Absent in a decision opened before it existed: then the session starts with an
   * authentication of unknown age (0), so its first sensitive action steps up.
   */
  authentication?: SessionAuthentication;
  /** The login's risk score (0..100; login/risk/risk.ts): a risky session steps up with a second factor. */
  riskScore?: number;
}

/** A holder claimed this recently but not (yet) in D1 is a session being created right now: alive. */
const CREATION_GRACE_MS = 60_000;

function sessionGate(ctx: RequestContext, userId: string) {
  return ctx.env.USER_SESSION_GATE.get(ctx.env.USER_SESSION_GATE.idFromName(userId));
}

/** Whether a session D1 knows (or does not know) still counts as the user's live session. */
function sessionAlive(ctx: RequestContext, row: SessionRow | undefined, claimedAt: number): boolean {
  const now = ctx.now();
  if (!row) return now - claimedAt < CREATION_GRACE_MS;
  return (
    row.revokedAt === null && row.expiresAt > now && row.lastSeenAt + ctx.config.SESSION_IDLE_TTL * 1000 > now
  );
}

export type SlotClaim = { granted: true; replaced: string[] } | { granted: false; holder: string };

/**
 * Claims the user's live slot for `sessionId`. A holder that D1 shows dead is replaced (compare-and-swap, so
 * a login that took the slot meanwhile is not replaced blindly); `replace` names a holder the user chose to
 * end. Answers the sessions to revoke, or the live holder.
 */
export async function claimSlot(
  ctx: RequestContext,
  input: { userId: string; sessionId: string; expiresAt: number; replace?: string | undefined },
): Promise<SlotClaim> {
  const { userId, sessionId, expiresAt, replace } = input;
  const gate = sessionGate(ctx, userId);
  const allowMultiple = !ctx.config.SINGLE_SESSION;
  let expectedHolder = replace;
  for (let attempt = 0; attempt < 3; attempt++) {
    const result: ClaimResult = await gate.claim(sessionId, expiresAt, ctx.now(), {
      replace: expectedHolder !== undefined,
      allowMultiple,
      ...(expectedHolder !== undefined ? { expectedHolder } : {}),
    });
    if (result.granted) return { granted: true, replaced: result.evicted };
    const holder = result.live.sessionId;
    if (sessionAlive(ctx, await findSession(ctx.db, holder), result.live.claimedAt)) {
      return { granted: false, holder };
    }
    expectedHolder = holder;
  }
  // The slot changed hands three times while we looked: treat it as held.
  const live = await gate.live(ctx.now());
  return live ? { granted: false, holder: live.sessionId } : { granted: false, holder: "" };
}

/** Frees the gate for sessions that ended (logout, deletion, password reset). Best effort: D1 decides anyway. */
export async function releaseSlots(
  ctx: RequestContext,
  input: { userId: string; sessionIds: readonly string[] },
): Promise<void> {
  const { userId, sessionIds } = input;
  if (sessionIds.length === 0) return;
  const gate = sessionGate(ctx, userId);
  await Promise.all(sessionIds.map((id) => gate.release(id)));
}

const DECISION_TTL_MS = 5 * 60_000;

/**
 * Opens a concurrent-login decision and returns its token: `<userId>.<secret>` (the user id routes to the
 * user's gate; the secret is what proves the caller got the 409, stored only hashed in the gate).
 */
export async function openConcurrentDecision(ctx: RequestContext, pending: PendingLogin): Promise<string> {
  const secret = toBase64url(ctx.random(32));
  await sessionGate(ctx, pending.userId).openDecision(secret, { ...pending }, ctx.now() + DECISION_TTL_MS);
  await commit(ctx, {
    audit: {
      action: "session.concurrent_refused",
      target: { type: "user", id: pending.userId },
      metadata: { liveSessionId: pending.holder },
    },
  });
  return `${pending.userId}.${secret}`;
}

/**
 * Takes a decision (once) for the device that got the 409. Unknown, used, expired or another device's: one
 * 401, so nothing is learnt from a guessed token.
 */
export async function takeConcurrentDecision(
  ctx: RequestContext,
  input: { decisionToken: string; deviceHash: string | null },
): Promise<PendingLogin> {
  const { decisionToken, deviceHash } = input;
  const invalid = () =>
    new AuthError("unauthorized", { detail: "This decision has expired. Please sign in again." });
  const match = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(decisionToken);
  if (!match || !deviceHash) throw invalid();
  const [, userId, secret] = match as unknown as [string, string, string];
  const payload = (await sessionGate(ctx, userId).takeDecision(secret, ctx.now())) as Record<
    string,
    unknown
  > | null;
  if (!payload || payload.userId !== userId || payload.device !== deviceHash) throw invalid();
  return payload as unknown as PendingLogin;
}
