import { hashPassword } from "../../crypto/password";
import { newSecurityStamp, setPassword, type UserRow } from "../../db/users";
import { argon2Params, type RequestContext, rateLimitDeps } from "../../platform/context";
import { enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { breachedOrPolicyRejection, rejectUnchangedPassword } from "../passwords/rules";
import { loadLoginStep, type StepAnswer, stepAnswer } from "./step-machine";
import type { StepInput } from "./step-route";

/** POST /auth/login/password: the `password_change` step (e.g. the bootstrap admin's first login). */
export async function completePasswordChange(
  ctx: RequestContext,
  input: StepInput<{ preAuthToken: string; newPassword: string }>,
): Promise<StepAnswer> {
  await enforceRateLimits(rateLimitDeps(ctx), [["login-step:ip", ctx.client.ip ?? "unknown"]]);
  const { user, state } = await loadLoginStep(ctx, {
    token: input.preAuthToken,
    deviceHash: input.deviceHash,
    step: "password_change",
  });
  const password = await breachedOrPolicyRejection(ctx, {
    password: input.newPassword,
    email: user.email,
    path: "newPassword",
  });
  rejectUnchangedPassword(password, user.passwordHash);
  // The new password gets a new security stamp; this login carries on under it (stepAnswer re-stamps).
  const updated: UserRow = {
    ...user,
    passwordHash: hashPassword(password, argon2Params(ctx.config), ctx.random),
    passwordMustChange: false,
    securityStamp: newSecurityStamp(ctx.random),
  };
  await commit(ctx, {
    writes: [
      setPassword(ctx.db, {
        userId: user.id,
        passwordHash: updated.passwordHash,
        securityStamp: updated.securityStamp,
        now: ctx.now(),
      }),
    ],
    audit: { action: "login.password_changed", actorId: user.id, target: { type: "user", id: user.id } },
  });
  return stepAnswer({ ctx, user: updated, state: { ...state, done: [...state.done, "password_change"] } });
}
