import { bindingOf } from "../../auth/session-binding";
import { generateToken, hashToken } from "../../crypto/tokens";
import { isUniqueViolation } from "../../db/client";
import { findUserById, type LoginFacts, loginFactsQuery, toLoginFacts, type UserRow } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { commit, runAfterCommit } from "../../platform/unit-of-work";
import { rememberSessionDevice } from "../devices/second-device-rule";
import { assertStampCurrent, type PreAuthState } from "../login/pre-auth";
import { loadLoginStep } from "../login/step-machine";
import { chargeTeamLogin } from "../team-budgets/spend";
import { type EndedSession, sessionsEnded } from "./end";
import {
  amrColumn,
  issueSessionTokens,
  type SessionAuthentication,
  type SessionTokens,
  type TeamGrant,
  teamGrant,
} from "./session-tokens";
import {
  claimSlot,
  openConcurrentDecision,
  type PendingLogin,
  releaseSlots,
  takeConcurrentDecision,
} from "./single-session";
import { insertRefreshToken, insertSession, revokeSessionStatement, sessionOfPreAuthQuery } from "./store";

/*
 * The end of a login: session-exchange turns a finished pre-auth token into a session, through the user's
 * single-session gate (single-session.ts) — or into a 409 `concurrent_session` decision, which
 * /auth/concurrent/approve and /deny settle. Refresh, logout and team switching
 * live in refresh.ts, end.ts and switch-team.ts.
 */

/** POST /auth/session-exchange with a pre-auth token: the last login step creates the session. */
export async function exchangePreAuth(
  ctx: RequestContext,
  input: { deviceHash: string | null; preAuthToken: string; teamId: string | null },
): Promise<SessionTokens> {
  const login = await loadLoginStep(ctx, {
    token: input.preAuthToken,
    deviceHash: input.deviceHash,
    step: "select_team",
  });
  const { user, state, jti } = login;
  // The step machine already read the user's login facts to get here: reuse them.
  const [grant, facts] = await Promise.all([
    teamGrant(ctx, { userId: user.id, teamId: input.teamId }),
    login.facts,
  ]);
  await chargeTeamLogin(ctx, { grant, userId: user.id });
  return createSession(ctx, {
    user,
    grant,
    login: {
      userId: user.id,
      device: state.device,
      rememberMe: state.rememberMe,
      teamId: grant.team?.id ?? null,
      jti,
      stamp: state.stamp,
      authentication: loginAuthentication(state),
      riskScore: state.riskScore ?? 0,
    },
    facts,
  });
}

/**
 * The authentication a finished login proves (RFC 9470 `auth_time`, RFC 8176 `amr`): the password when the
 * login started; a TOTP or recovery code at the `mfa` step, or the code that confirmed a new authenticator at
 * `mfa_setup`, adds the second factor. An emailed device code proves the device, not the user: no factor.
 */
export function loginAuthentication(state: Pick<PreAuthState, "started" | "done">): SessionAuthentication {
  const secondFactor = state.done.includes("mfa") || state.done.includes("mfa_setup");
  return { at: state.started, amr: secondFactor ? ["pwd", "otp", "mfa"] : ["pwd"] };
}

/**
 * POST /auth/concurrent/approve: the user chose to end their other live session and continue here. The
 * decision names the session they were asked about; if yet another login took the slot meanwhile, they are
 * asked again about that one.
 */
export async function approveConcurrentLogin(
  ctx: RequestContext,
  input: { deviceHash: string | null; decisionToken: string },
): Promise<SessionTokens> {
  const { pending, user } = await decisionOfCurrentUser(ctx, input);
  const grant = await teamGrant(ctx, { userId: user.id, teamId: pending.teamId });
  return createSession(ctx, { user, grant, login: pending, replace: pending.holder });
}

/**
 * Takes a concurrent-login decision and checks its user still signs in under the stamp the login ran with: a
 * password reset, a password change, 2FA disabled or an admin lock since then answers like an expired decision.
 */
async function decisionOfCurrentUser(
  ctx: RequestContext,
  input: { deviceHash: string | null; decisionToken: string },
): Promise<{ pending: PendingLogin; user: UserRow }> {
  const pending = await takeConcurrentDecision(ctx, input);
  const user = await findUserById(ctx.db, pending.userId);
  const expired = () =>
    new AuthError("unauthorized", { detail: "This decision has expired. Please sign in again." });
  if (!user || user.disabledAt !== null || typeof pending.stamp !== "string") throw expired();
  await assertStampCurrent(pending, user.securityStamp).catch(() => {
    throw expired();
  });
  return { pending, user };
}

/** POST /auth/concurrent/deny: this login gives way; the other session lives on. */
export async function denyConcurrentLogin(
  ctx: RequestContext,
  input: { deviceHash: string | null; decisionToken: string },
): Promise<void> {
  const { pending } = await decisionOfCurrentUser(ctx, input);
  await commit(ctx, {
    audit: {
      action: "session.concurrent_denied",
      actorId: pending.userId,
      target: { type: "user", id: pending.userId },
      metadata: { liveSessionId: pending.holder },
    },
  });
}

/**
 * Creates the session of a finished login: claims the user's live slot (single session), writes the session,
 * its first refresh token and the audit entry in one batch, and ends the sessions the claim replaced.
 */
interface NewSession {
  user: UserRow;
  grant: TeamGrant;
  login: Omit<PendingLogin, "holder">;
  /** The live session the user chose to end (concurrent approve). */
  replace?: string;
  /** The login facts the step machine already read. */
  facts?: LoginFacts | undefined;
}

async function createSession(ctx: RequestContext, input: NewSession): Promise<SessionTokens> {
  const { user, grant, login, replace } = input;
  const [factRows, used] = input.facts
    ? [null, await sessionOfPreAuthQuery(ctx.db, login.jti)]
    : await ctx.db.batch([loginFactsQuery(ctx.db, user.id), sessionOfPreAuthQuery(ctx.db, login.jti)]);
  // A pre-auth token is exchanged once (checked before the gate, so a replay cannot disturb the live slot;
  // the unique index below still decides a race).
  if (used.length > 0) {
    throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
  }
  const facts = input.facts ?? toLoginFacts(factRows ?? []);
  const firstSession = !facts.hadSession;
  const now = ctx.now();
  const client = ctx.client;
  const binding = bindingOf(client);
  const sessionId = newId(ctx.random);
  const refreshToken = generateToken(ctx.random);
  const authentication = login.authentication ?? { at: 0, amr: ["pwd"] };
  const lifetime = login.rememberMe ? ctx.config.SESSION_REMEMBER_TTL : ctx.config.SESSION_TTL;
  const expiresAt = now + lifetime * 1000;
  const claim = await claimSlot(ctx, { userId: user.id, sessionId, expiresAt, replace });
  if (!claim.granted) {
    const decisionToken = await openConcurrentDecision(ctx, { ...login, holder: claim.holder });
    throw new AuthError("concurrent_session", { extra: { decisionToken } });
  }
  let replaced: EndedSession[] = [];
  try {
    const results = await commit(ctx, {
      writes: [
        insertSession(ctx.db, {
          id: sessionId,
          userId: user.id,
          teamId: grant.team?.id ?? null,
          deviceHash: login.device,
          rememberMe: login.rememberMe,
          preAuthJti: login.jti,
          createdAt: now,
          lastSeenAt: now,
          expiresAt,
          ip: client.ip,
          userAgent: client.userAgent?.slice(0, 512) ?? null,
          country: client.country,
          city: client.city,
          uaFamily: binding.uaFamily,
          netPrefix: binding.netPrefix,
          asn: binding.asn,
          authTime: authentication.at,
          amr: amrColumn.write(authentication.amr),
          riskScore: login.riskScore ?? 0,
        }),
        insertRefreshToken(ctx.db, await hashToken(refreshToken), sessionId, now),
        ...claim.replaced.map((id) => revokeSessionStatement(ctx.db, id, now, "replaced")),
      ],
      audit: [
        {
          action: replace ? "session.concurrent_approved" : "session.created",
          actorId: user.id,
          target: { type: "user", id: user.id },
          teamId: grant.team?.id ?? null,
          metadata: {
            sessionId,
            rememberMe: login.rememberMe,
            ...(claim.replaced.length > 0 ? { replaced: claim.replaced } : {}),
          },
        },
        ...claim.replaced.map((id) => ({
          action: "session.replaced" as const,
          actorId: user.id,
          target: { type: "user" as const, id: user.id },
          metadata: { sessionId: id, by: sessionId },
        })),
      ],
    });
    replaced = (results.slice(2) as EndedSession[][]).flat();
  } catch (error) {
    await releaseSlots(ctx, { userId: user.id, sessionIds: [sessionId] });
    // A pre-auth token is exchanged once.
    if (isUniqueViolation(error, "sessions.pre_auth_jti")) {
      throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
    }
    throw error;
  }
  // The gate evicted the replaced sessions itself when it granted the claim: only the edge still has to know.
  await runAfterCommit(ctx, sessionsEnded(ctx, replaced, "replaced", { slotsAlreadyFree: true }));
  await rememberSessionDevice(ctx, { userId: user.id, deviceHash: login.device, firstSession });
  return issueSessionTokens(ctx, {
    user,
    sessionId,
    refreshToken,
    expiresAt,
    rememberMe: login.rememberMe,
    grant,
    accessEpoch: 0,
    platformRoles: facts.platformRoles,
    authentication,
    binding,
  });
}
