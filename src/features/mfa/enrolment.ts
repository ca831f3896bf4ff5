import { recordSessionAuthentication } from "../../db/session-authentication";
import { findUserById } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { loadLoginStep, type StepAnswer, stepAnswer } from "../login/step-machine";
import { completeEnrolment, startEnrolment } from "./mfa";

/**
 * Who is enrolling a second factor: a signed-in user (turning 2FA on from their account), or a login at its
 * `mfa_setup` step (a platform role must enrol before its first session) presenting its pre-auth token from the
 * device that started it.
 */
export type Enroller =
  | { kind: "session"; userId: string; sessionId: string }
  | { kind: "login"; preAuthToken: string; deviceHash: string | null };

async function enrollingUser(ctx: RequestContext, who: Enroller) {
  if (who.kind === "session") {
    const user = await findUserById(ctx.db, who.userId);
    if (!user) throw new AuthError("unauthorized");
    return { user, login: null };
  }
  const login = await loadLoginStep(ctx, {
    token: who.preAuthToken,
    deviceHash: who.deviceHash,
    step: "mfa_setup",
  });
  return { user: login.user, login };
}

/** enable-init: a new secret for the enroller (a QR code and the manual key). */
export async function beginEnrolment(ctx: RequestContext, who: Enroller) {
  const { user } = await enrollingUser(ctx, who);
  return startEnrolment(ctx, user);
}

/**
 * enable-complete: the first code proves the authenticator; answers the recovery codes (shown once) and, for a
 * login at `mfa_setup`, the login's next step.
 */
export async function finishEnrolment(
  ctx: RequestContext,
  input: { who: Enroller; challengeId: string; code: string },
): Promise<{ recoveryCodes: string[] } & Partial<StepAnswer>> {
  const { user, login } = await enrollingUser(ctx, input.who);
  const result = await completeEnrolment(ctx, { user, challengeId: input.challengeId, code: input.code });
  if (input.who.kind === "session") {
    // The code just proved the new second factor: the session is fresh and two-factor now (RFC 9470), so the
    // user who just enrolled is not asked to step up at once.
    await recordSessionAuthentication(ctx.db, {
      sessionId: input.who.sessionId,
      userId: user.id,
      at: ctx.now(),
      methods: ["otp", "mfa"],
    }).run();
  }
  if (!login) return result;
  const next = await stepAnswer({
    ctx,
    user,
    state: { ...login.state, done: [...login.state.done, "mfa_setup"] },
  });
  return { ...result, ...next };
}
