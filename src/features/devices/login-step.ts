import { type RequestContext, rateLimitDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { loadLoginStep, type StepAnswer, stepAnswer } from "../login/step-machine";
import type { StepInput } from "../login/step-route";
import { loginEvent } from "../login/store";
import { recordWrongCode } from "../login/wrong-code";
import { checkDeviceCode } from "./approval";
import { assertDeviceApprovalOpen, countWrongDeviceCode } from "./code-guessing";
import { trustDevice } from "./store";

/** POST /auth/login/device: the emailed code approves this device (and, with `trustDevice`, remembers it). */
export async function completeDeviceStep(
  ctx: RequestContext,
  input: StepInput<{ preAuthToken: string; code: string; trustDevice?: boolean }>,
): Promise<StepAnswer> {
  await enforceRateLimits(rateLimitDeps(ctx), [["login-step:ip", ctx.client.ip ?? "unknown"]]);
  const { user, state } = await loadLoginStep(ctx, {
    token: input.preAuthToken,
    deviceHash: input.deviceHash,
    step: "device_approval",
  });
  await enforceRateLimits(rateLimitDeps(ctx), [["device-code:user", user.id]]);
  try {
    await assertDeviceApprovalOpen(ctx, user.id);
    await checkDeviceCode(ctx, {
      challengeId: state.challenge,
      userId: user.id,
      deviceHash: state.device,
      code: input.code,
    });
  } catch (error) {
    // Every refused code — and every attempt while locked — counts for the user across challenges
    // (code-guessing.ts); from the one that starts the lock on, the answer is 429.
    const refused =
      error instanceof AuthError && (error.code === "invalid_code" || error.code === "rate_limited");
    const lock = refused
      ? await countWrongDeviceCode(ctx, user).then(
          () => null,
          (e: unknown) => e,
        )
      : null;
    await recordWrongCode(ctx, {
      userId: user.id,
      outcome: "device_approval",
      action: "login.device_code_failed",
      error,
    }).catch((e: unknown) => {
      throw lock ?? e;
    });
  }
  if (input.trustDevice) {
    await trustDevice(ctx.kv, {
      userId: user.id,
      deviceHash: state.device,
      name: ctx.client.device,
      now: ctx.now(),
    });
  }
  await commit(ctx, {
    writes: [
      loginEvent(ctx, {
        userId: user.id,
        outcome: "device_approval",
        reason: input.trustDevice ? "approved_and_trusted" : "approved",
      }),
    ],
    audit: {
      action: "login.device_approved",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { trusted: Boolean(input.trustDevice) },
    },
  });
  const { challenge: _spent, ...rest } = state;
  return stepAnswer({ ctx, user, state: { ...rest, done: [...state.done, "device_approval"] } });
}
