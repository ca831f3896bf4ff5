import { ACR_MFA, type Principal } from "../../auth/principal";
import { recordedBinding } from "../../auth/session-binding";
import { liveSessionAuthentication, stepUpChallenge, stepUpSettings } from "../../auth/step-up";
import { generateToken, hashToken } from "../../crypto/tokens";
import { recordSessionAuthentication } from "../../db/session-authentication";
import { findUserById } from "../../db/users";
import { type RequestContext, rateLimitDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { prepareSecurityAlert } from "../account/security-alerts";
import { verifyCurrentPassword } from "../login/lockout";
import { loginEvent } from "../login/store";
import { verifySecondFactor } from "../mfa/mfa";
import { amrColumn, issueSessionTokens, type SessionTokens, teamGrant } from "../sessions/session-tokens";
import { insertRefreshToken } from "../sessions/store";
import { retireUnusedRefreshTokens } from "./store";

/** What a step-up proves with: the password, or a second-factor code (TOTP or recovery code). */
export interface StepUpProof {
  password?: string | undefined;
  code?: string | undefined;
  turnstileToken?: string | undefined;
}

/** Which proof a session must give (pages show the matching field; the API documents it). */
export type ProofKind = "password" | "code";

/** A user with 2FA steps up with a code; a user without one can only give the password (even when risky). */
export function proofKindOf(hasMfa: boolean): ProofKind {
  return hasMfa ? "code" : "password";
}

/** The proof kind the caller's live session needs (401 when the session has ended). */
export async function requiredProof(
  ctx: RequestContext,
  auth: Pick<Principal, "sid" | "userId" | "via">,
): Promise<ProofKind> {
  return proofKindOf((await liveSessionAuthentication(ctx, auth)).hasMfa);
}

const RISKY_PASSWORD_STEP_UP =
  "You confirmed your password to make a sensitive change, from a sign-in we found unusual. If this wasn't you, reset your password now and turn on two-factor authentication.";

/**
 * POST /auth/step-up (RFC 9470): the signed-in user proves it is them again — the password, or, for a user with
 * 2FA, a TOTP or recovery code (a password alone is refused with the mfa challenge, unchecked). A wrong proof
 * counts toward the same locks as at login (the password lockout and its mail, the 2FA lock) and is recorded in
 * the login activity as `step_up_failed`. Success records `auth_time` = now and the methods in the session (D1,
 * where the step-up guard reads them), a `step_up` activity row and a `session.stepped_up` audit entry, and
 * answers like refresh: a new access token (fresh `auth_time`, `amr`, `acr`) and a new refresh token of the same
 * session. A risky session of a user without 2FA steps up with the password, and its owner is mailed.
 */
export async function stepUp(
  ctx: RequestContext,
  input: { auth: Pick<Principal, "sid" | "userId" | "via">; proof: StepUpProof },
): Promise<SessionTokens> {
  const { auth, proof } = input;
  const session = await liveSessionAuthentication(ctx, auth);
  await enforceRateLimits(rateLimitDeps(ctx), [["step-up:user", auth.userId]]);
  const user = await findUserById(ctx.db, auth.userId);
  if (!user) throw new AuthError("unauthorized", { internal: { reason: "user gone" } });
  const settings = stepUpSettings(ctx);
  let method: "password" | "totp" | "recovery_code";
  if (proofKindOf(session.hasMfa) === "code") {
    if (!proof.code) {
      throw stepUpChallenge({
        maxAgeSeconds: settings.maxAgeSeconds,
        acr: ACR_MFA,
        reason: "2FA user without code",
      });
    }
    try {
      ({ method } = await verifySecondFactor(ctx, {
        user,
        code: proof.code,
        turnstileToken: proof.turnstileToken,
      }));
    } catch (error) {
      if (error instanceof AuthError && error.code === "invalid_code") {
        await commit(ctx, {
          writes: [loginEvent(ctx, { userId: user.id, outcome: "step_up_failed", reason: "wrong_code" })],
        });
      }
      throw error;
    }
  } else {
    if (!proof.password) {
      throw AuthError.validation(
        [{ path: "password", message: "Enter your password.", reason: "password_required" }],
        "Two-factor authentication is off for this account: confirm with your password.",
      );
    }
    await verifyCurrentPassword(ctx, { user, password: proof.password, stepUp: true });
    method = "password";
  }
  const grant = await teamGrant(ctx, { userId: user.id, teamId: session.teamId });
  const now = ctx.now();
  const refreshToken = generateToken(ctx.random);
  const risky = session.riskScore >= settings.riskStepUpScore;
  const alert =
    risky && method === "password"
      ? await prepareSecurityAlert(ctx, { user, event: RISKY_PASSWORD_STEP_UP })
      : null;
  const [recorded] = await commit(ctx, {
    writes: [
      recordSessionAuthentication(ctx.db, {
        sessionId: auth.sid,
        userId: user.id,
        at: now,
        methods: method === "password" ? ["pwd"] : ["otp", "mfa"],
      }),
      retireUnusedRefreshTokens(ctx.db, auth.sid),
      insertRefreshToken(ctx.db, await hashToken(refreshToken), auth.sid, now),
      loginEvent(ctx, { userId: user.id, outcome: "step_up", reason: method }),
    ],
    audit: {
      action: "session.stepped_up",
      actorId: user.id,
      target: { type: "user", id: user.id },
      teamId: session.teamId,
      metadata: { sessionId: auth.sid, method, risky },
    },
    mails: [alert],
  });
  const after = recorded[0];
  // The session was revoked between the read and the write: the new refresh token belongs to a dead session.
  if (!after) throw new AuthError("unauthorized", { internal: { reason: "session ended during step-up" } });
  return issueSessionTokens(ctx, {
    user,
    sessionId: auth.sid,
    refreshToken,
    expiresAt: session.expiresAt,
    rememberMe: session.rememberMe,
    grant,
    accessEpoch: session.accessEpoch,
    authentication: { at: after.authTime, amr: amrColumn.read(after.amr) },
    // The fresh token stays bound to the session's client like every other (checked at the edge).
    binding: recordedBinding(session),
  });
}
