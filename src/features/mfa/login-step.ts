import { type RequestContext, rateLimitDeps } from "../../platform/context";
import { enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { loadLoginStep, type StepAnswer, stepAnswer } from "../login/step-machine";
import type { StepInput } from "../login/step-route";
import { recordWrongCode } from "../login/wrong-code";
import { verifySecondFactor } from "./mfa";

/** POST /auth/login/mfa: the `mfa` step, with a TOTP or a recovery code. */
export async function completeMfaStep(
  ctx: RequestContext,
  input: StepInput<{ preAuthToken: string; code: string; turnstileToken?: string }>,
): Promise<StepAnswer> {
  await enforceRateLimits(rateLimitDeps(ctx), [["login-step:ip", ctx.client.ip ?? "unknown"]]);
  const { user, state } = await loadLoginStep(ctx, {
    token: input.preAuthToken,
    deviceHash: input.deviceHash,
    step: "mfa",
  });
  await enforceRateLimits(rateLimitDeps(ctx), [["mfa:user", user.id]]);
  try {
    const { method } = await verifySecondFactor(ctx, {
      user,
      code: input.code,
      turnstileToken: input.turnstileToken,
    });
    await commit(ctx, {
      audit: {
        action: "login.mfa_passed",
        actorId: user.id,
        target: { type: "user", id: user.id },
        metadata: { method },
      },
    });
  } catch (error) {
    await recordWrongCode(ctx, { userId: user.id, outcome: "mfa_failed", action: "mfa.failed", error });
  }
  return stepAnswer({ ctx, user, state: { ...state, done: [...state.done, "mfa"] } });
}
