import { revokeAtEdge } from "../../auth/revocation";
import { generateToken, hashToken } from "../../crypto/tokens";
import { isUniqueViolation } from "../../db/client";
import { findUserById, type LoginFacts, loginFactsQuery, toLoginFacts, type UserRow } from "../../db/users";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import type { ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { touchTrustedDevice, trustDevice, trustedDevice } from "../devices/trusted";
import { loadLoginStep } from "../login/password-step";
import { type SessionTokens, type TeamGrant, teamGrant, tokensFor } from "./sessions";
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
 * single-session gate (services/single-session.ts) — or into a 409 `concurrent_session` decision, which
 * /auth/concurrent/approve and /deny settle. Refresh, logout and team switching live in sessions.ts.
 */

/** POST /auth/session-exchange with a pre-auth token: the last login step creates the session. */
export async function exchangePreAuth(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  input: { preAuthToken: string; teamId: string | null },
): Promise<SessionTokens> {
  const login = await loadLoginStep(s, input.preAuthToken, deviceHash, "select_team");
  const { user, state, jti } = login;
  // The step machine already read the user's login facts to get here: reuse them.
  const [grant, facts] = await Promise.all([teamGrant(s, user.id, input.teamId), login.facts]);
  return createSession(
    s,
    client,
    user,
    grant,
    {
      userId: user.id,
      device: state.device,
      rememberMe: state.rememberMe,
      teamId: grant.team?.id ?? null,
      jti,
    },
    { facts },
  );
}

/**
 * POST /auth/concurrent/approve: the user chose to end their other live session and continue here. The
 * decision names the session they were asked about; if yet another login took the slot meanwhile, they are
 * asked again about that one.
 */
export async function approveConcurrentLogin(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  decisionToken: string,
): Promise<SessionTokens> {
  const pending = await takeConcurrentDecision(s, decisionToken, deviceHash);
  const user = await findUserById(s.db, pending.userId);
  if (!user || user.disabledAt !== null) {
    throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
  }
  const grant = await teamGrant(s, user.id, pending.teamId);
  return createSession(s, client, user, grant, pending, { replace: pending.holder });
}

/** POST /auth/concurrent/deny: this login gives way; the other session lives on. */
export async function denyConcurrentLogin(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  decisionToken: string,
): Promise<void> {
  const pending = await takeConcurrentDecision(s, decisionToken, deviceHash);
  await s.db.batch([
    auditStatement(s, client, {
      action: "session.concurrent_denied",
      actorId: pending.userId,
      target: { type: "user", id: pending.userId },
      metadata: { liveSessionId: pending.holder },
    }),
  ]);
}

/**
 * Creates the session of a finished login: claims the user's live slot (single session), writes the session,
 * its first refresh token and the audit entry in one batch, and ends the sessions the claim replaced.
 */
async function createSession(
  s: ServiceDeps,
  client: ClientInfo,
  user: UserRow,
  grant: TeamGrant,
  login: Omit<PendingLogin, "holder">,
  options: { replace?: string; facts?: LoginFacts | undefined } = {},
): Promise<SessionTokens> {
  const { replace } = options;
  const [factRows, used] = options.facts
    ? [null, await sessionOfPreAuthQuery(s.db, login.jti)]
    : await s.db.batch([loginFactsQuery(s.db, user.id), sessionOfPreAuthQuery(s.db, login.jti)]);
  // A pre-auth token is exchanged once (checked before the gate, so a replay cannot disturb the live slot;
  // the unique index below still decides a race).
  if (used.length > 0) {
    throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
  }
  const facts = options.facts ?? toLoginFacts(factRows ?? []);
  const firstSession = !facts.hadSession;
  const now = s.now();
  const sessionId = newId(s.random);
  const refreshToken = generateToken(s.random);
  const lifetime = login.rememberMe ? s.config.SESSION_REMEMBER_TTL : s.config.SESSION_TTL;
  const expiresAt = now + lifetime * 1000;
  const claim = await claimSlot(s, user.id, sessionId, expiresAt, replace);
  if (!claim.granted) {
    const decisionToken = await openConcurrentDecision(s, client, { ...login, holder: claim.holder });
    throw new AuthError("concurrent_session", { extra: { decisionToken } });
  }
  try {
    await s.db.batch([
      insertSession(s.db, {
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
      }),
      insertRefreshToken(s.db, await hashToken(refreshToken), sessionId, now),
      auditStatement(s, client, {
        action: replace ? "session.concurrent_approved" : "session.created",
        actorId: user.id,
        target: { type: "user", id: user.id },
        teamId: grant.team?.id ?? null,
        metadata: {
          sessionId,
          rememberMe: login.rememberMe,
          ...(claim.replaced.length > 0 ? { replaced: claim.replaced } : {}),
        },
      }),
      ...claim.replaced.map((id) => revokeSessionStatement(s.db, id, now, "replaced")),
      ...claim.replaced.map((id) =>
        auditStatement(s, client, {
          action: "session.replaced",
          actorId: user.id,
          target: { type: "user", id: user.id },
          metadata: { sessionId: id, by: sessionId },
        }),
      ),
    ]);
  } catch (error) {
    await releaseSlots(s, user.id, [sessionId]);
    // A pre-auth token is exchanged once.
    if (isUniqueViolation(error, "sessions.pre_auth_jti")) {
      throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
    }
    throw error;
  }
  if (claim.replaced.length > 0) {
    await revokeAtEdge(
      { kv: s.env.KV, now: s.now, accessTokenTtl: s.config.ACCESS_TOKEN_TTL },
      claim.replaced,
      "replaced",
    );
  }
  await rememberDevice(s, user.id, login.device, client, firstSession);
  return tokensFor(s, user, sessionId, refreshToken, expiresAt, login.rememberMe, grant, facts.platformRoles);
}

/**
 * The device of a user's first session is trusted automatically (device approval applies from the second
 * device on); a trusted device's last use is recorded.
 */
async function rememberDevice(
  s: ServiceDeps,
  userId: string,
  deviceHash: string,
  client: ClientInfo,
  firstSession: boolean,
): Promise<void> {
  const known = await trustedDevice(s.env.KV, userId, deviceHash);
  if (known) return touchTrustedDevice(s.env.KV, userId, known, s.now());
  if (firstSession) await trustDevice(s.env.KV, userId, deviceHash, client.device, s.now());
}
