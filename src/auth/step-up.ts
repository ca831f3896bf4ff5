import { createMiddleware } from "hono/factory";
import { type SessionAuthenticationRow, sessionAuthenticationOf } from "../db/session-authentication";
import type { AppEnv } from "../http/app-env";
import type { RequestContext } from "../platform/context";
import { AuthError } from "../platform/errors";
import { ACR_MFA, type Principal } from "./principal";

/**
 * The rule "a sensitive action needs a recent authentication, and a second factor where one exists" — OAuth 2.0
 * Step-Up Authentication Challenge (RFC 9470). Sensitive routes (credentials, 2FA, API keys, ownership, team
 * deletion, every platform-admin write) run `freshAuthentication()` after requireAuth; the pages run
 * `assertFreshAuthentication` in their action kits. Both read the session from D1 (one query), never only the
 * token: a revoked session is refused even while its access token is still live at the edge.
 */

/** What the decision looks at (all times epoch ms). */
export interface StepUpFacts {
  now: number;
  /** sessions.auth_time: the login, or the latest step-up. */
  authTime: number;
  /** sessions.created_at: an auth_time after it is a re-proof made inside the session. */
  sessionCreatedAt: number;
  /** sessions.amr as methods (RFC 8176). */
  amr: readonly string[];
  /** The user has a second factor (user_mfa). */
  hasMfa: boolean;
  /** sessions.risk_score: the login's risk. */
  riskScore: number;
}

export interface StepUpSettings {
  /** STEP_UP_MAX_AGE, seconds. */
  maxAgeSeconds: number;
  /** RISK_STEP_UP_SCORE: a session whose login scored at least this is risky. */
  riskStepUpScore: number;
}

export type StepUpDecision =
  | { pass: true }
  | {
      pass: false;
      /** `stale`: too old; `second_factor`: the user has 2FA and the session lacks it; `risky_session`: see below. */
      reason: "stale" | "second_factor" | "risky_session";
      /** The acr_values to ask for (RFC 9470 §3), or null when any fresh proof will do. */
      acr: string | null;
    };

/**
 * The guard's decision, pure.
 * - An authentication older than STEP_UP_MAX_AGE is stale: challenge.
 * - A user with 2FA needs `mfa` in the session's amr (a trusted-device login proved the password only).
 * - A risky session (risk_score ≥ RISK_STEP_UP_SCORE) needs a second factor; a user who has none cannot give
 *   one, so such a session must re-prove the password inside the session (auth_time after the session's
 *   creation) — the login's own proof, the one the risk engine doubted, does not count. Its challenge names no
 *   acr (asking for `mfa` the user cannot give would be a dead end); the step-up alerts the owner by mail.
 * The challenge asks for ACR_MFA whenever the user has 2FA.
 */
export function stepUpDecision(facts: StepUpFacts, settings: StepUpSettings): StepUpDecision {
  const acr = facts.hasMfa ? ACR_MFA : null;
  const twoFactors = facts.amr.includes("mfa");
  if (facts.now - facts.authTime > settings.maxAgeSeconds * 1000)
    return { pass: false, reason: "stale", acr };
  if (facts.hasMfa && !twoFactors) return { pass: false, reason: "second_factor", acr: ACR_MFA };
  const risky = facts.riskScore >= settings.riskStepUpScore;
  if (risky && !twoFactors && facts.authTime <= facts.sessionCreatedAt) {
    return { pass: false, reason: "risky_session", acr };
  }
  return { pass: true };
}

/** The 401 `insufficient_user_authentication` challenge (RFC 9470 §3), header and problem body alike. */
export function stepUpChallenge(input: { maxAgeSeconds: number; acr: string | null; reason?: string }) {
  const params = [
    'error="insufficient_user_authentication"',
    ...(input.acr ? [`acr_values="${input.acr}"`] : []),
    `max_age=${input.maxAgeSeconds}`,
  ];
  return new AuthError("insufficient_user_authentication", {
    headers: { "WWW-Authenticate": `Bearer ${params.join(", ")}` },
    extra: { maxAge: input.maxAgeSeconds, acrValues: input.acr },
    internal: { reason: input.reason ?? "step-up required" },
  });
}

function sessionEnded(reason: string): AuthError {
  return new AuthError("unauthorized", {
    headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    internal: { reason },
  });
}

/** The settings of a deployment. */
export function stepUpSettings(ctx: Pick<RequestContext, "config">): StepUpSettings {
  return { maxAgeSeconds: ctx.config.STEP_UP_MAX_AGE, riskStepUpScore: ctx.config.RISK_STEP_UP_SCORE };
}

/**
 * The caller's live session as D1 has it, or 401 `invalid_token` when it is unknown, revoked, expired, another
 * user's, or its user is disabled. API keys are refused (403 `insufficient_scope`): they never step up.
 */
export async function liveSessionAuthentication(
  ctx: RequestContext,
  principal: Pick<Principal, "sid" | "userId" | "via">,
): Promise<SessionAuthenticationRow> {
  if (principal.via === "api_key") {
    throw new AuthError("forbidden", {
      headers: { "WWW-Authenticate": 'Bearer error="insufficient_scope"' },
      internal: { reason: "API key on a step-up route" },
    });
  }
  const row = await sessionAuthenticationOf(ctx.db, principal.sid);
  if (!row || row.userId !== principal.userId) throw sessionEnded("unknown session");
  if (row.revokedAt !== null) throw sessionEnded("session revoked (D1)");
  if (row.expiresAt <= ctx.now()) throw sessionEnded("session expired");
  if (row.userDisabled) throw sessionEnded("user disabled");
  return row;
}

/** The guard as a function (pages call it from their action kits): passes, or throws the RFC 9470 challenge. */
export async function assertFreshAuthentication(
  ctx: RequestContext,
  principal: Pick<Principal, "sid" | "userId" | "via">,
): Promise<void> {
  const row = await liveSessionAuthentication(ctx, principal);
  const settings = stepUpSettings(ctx);
  const decision = stepUpDecision(
    {
      now: ctx.now(),
      authTime: row.authTime,
      sessionCreatedAt: row.createdAt,
      amr: row.amr.split(",").filter(Boolean),
      hasMfa: row.hasMfa,
      riskScore: row.riskScore,
    },
    settings,
  );
  if (!decision.pass) {
    throw stepUpChallenge({
      maxAgeSeconds: settings.maxAgeSeconds,
      acr: decision.acr,
      reason: decision.reason,
    });
  }
}

/**
 * Middleware for sensitive routes, after requireAuth (and after the role or permission check, so a caller who
 * may not act at all gets 403, not a challenge). One D1 read.
 */
export function freshAuthentication() {
  return createMiddleware<AppEnv>(async function freshAuthentication(c, next) {
    await assertFreshAuthentication(c.var.ctx, c.var.auth);
    await next();
  });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Strong revocation for changes (issue 19 item 6): a team write made with an access token — roles, members,
 * keys, invitations, ownership, plans, limits, usage, the Virtuozzo connection — also checks the session's row in
 * D1, so a session revoked a moment ago in another location (whose KV edge record has not arrived yet) can never
 * change anything; reads keep the edge check alone. API keys are read from D1 on every request already.
 * docs/step-up.md "Revocation you can state".
 */
export function liveSessionForWrites() {
  return createMiddleware<AppEnv>(async function liveSessionForWrites(c, next) {
    const auth = c.var.auth;
    if (!SAFE_METHODS.has(c.req.method) && auth.via !== "api_key") {
      await liveSessionAuthentication(c.var.ctx, auth);
    }
    await next();
  });
}
