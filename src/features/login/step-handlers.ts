import { hashPassword } from "../../crypto/password";
import { setPassword, type UserRow } from "../../db/users";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import { argon2Params, rateLimitDeps, type ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { enforceRateLimits } from "../../platform/rate-limits";
import { checkDeviceCode } from "../devices/approval";
import { trustDevice } from "../devices/trusted";
import { verifySecondFactor } from "../mfa/mfa";
import { breachedOrPolicyRejection, rejectUnchangedPassword } from "../passwords/rules";
import { approvalState } from "./approval";
import { loadLoginStep, loginEvent } from "./password-step";
import { type StepAnswer, stepAnswer } from "./step-machine";

/*
 * The endpoints that complete one login step each (password_change, mfa, device_approval) and the status poll
 * of login_approval. Each loads the login with loadLoginStep (which refuses a step that is not the current
 * one) and answers the next step through stepAnswer (login-steps.ts).
 */

/** POST /auth/login/password: the forced password change (e.g. the bootstrap admin's first login). */
export async function completePasswordChange(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  input: { preAuthToken: string; newPassword: string },
): Promise<StepAnswer> {
  await enforceRateLimits(rateLimitDeps(s), [["login-step:ip", client.ip ?? "unknown"]]);
  const { user, state } = await loadLoginStep(s, input.preAuthToken, deviceHash, "password_change");
  const password = await breachedOrPolicyRejection(s, input.newPassword, user.email, "newPassword");
  rejectUnchangedPassword(password, user.passwordHash);
  const now = s.now();
  const updated: UserRow = {
    ...user,
    passwordHash: hashPassword(password, argon2Params(s.config), s.random),
    passwordMustChange: false,
  };
  await s.db.batch([
    setPassword(s.db, user.id, updated.passwordHash, now),
    auditStatement(s, client, {
      action: "login.password_changed",
      actorId: user.id,
      target: { type: "user", id: user.id },
    }),
  ]);
  return stepAnswer({
    s,
    client,
    user: updated,
    state: { ...state, done: [...state.done, "password_change"] },
  });
}

/** POST /auth/login/mfa: the `mfa` step, with a TOTP or a recovery code. */
export async function completeMfaStep(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  input: { preAuthToken: string; code: string; turnstileToken?: string },
): Promise<StepAnswer> {
  await enforceRateLimits(rateLimitDeps(s), [["login-step:ip", client.ip ?? "unknown"]]);
  const { user, state } = await loadLoginStep(s, input.preAuthToken, deviceHash, "mfa");
  await enforceRateLimits(rateLimitDeps(s), [["mfa:user", user.id]]);
  try {
    const { method } = await verifySecondFactor(s, client, user, input.code, input.turnstileToken);
    await s.db.batch([
      auditStatement(s, client, {
        action: "login.mfa_passed",
        actorId: user.id,
        target: { type: "user", id: user.id },
        metadata: { method },
      }),
    ]);
  } catch (error) {
    if (error instanceof AuthError && error.code === "invalid_code") {
      await s.db.batch([
        loginEvent(s, user.id, client, "mfa_failed", String(error.internal.reason ?? "wrong code")),
        auditStatement(s, client, { action: "mfa.failed", target: { type: "user", id: user.id } }),
      ]);
    }
    throw error;
  }
  return stepAnswer({ s, client, user, state: { ...state, done: [...state.done, "mfa"] } });
}

/** POST /auth/login/device: the emailed code approves this device (and, with `trustDevice`, remembers it). */
export async function completeDeviceStep(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  input: { preAuthToken: string; code: string; trustDevice?: boolean },
): Promise<StepAnswer> {
  await enforceRateLimits(rateLimitDeps(s), [["login-step:ip", client.ip ?? "unknown"]]);
  const { user, state } = await loadLoginStep(s, input.preAuthToken, deviceHash, "device_approval");
  await enforceRateLimits(rateLimitDeps(s), [["device-code:user", user.id]]);
  try {
    await checkDeviceCode(s, state.challenge, user.id, state.device, input.code);
  } catch (error) {
    if (error instanceof AuthError && error.code === "invalid_code") {
      await s.db.batch([
        loginEvent(s, user.id, client, "device_approval", String(error.internal.reason ?? "wrong code")),
        auditStatement(s, client, {
          action: "login.device_code_failed",
          target: { type: "user", id: user.id },
        }),
      ]);
    }
    throw error;
  }
  if (input.trustDevice) await trustDevice(s.env.KV, user.id, state.device, client.device, s.now());
  await s.db.batch([
    loginEvent(
      s,
      user.id,
      client,
      "device_approval",
      input.trustDevice ? "approved_and_trusted" : "approved",
    ),
    auditStatement(s, client, {
      action: "login.device_approved",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { trusted: Boolean(input.trustDevice) },
    }),
  ]);
  const { challenge: _spent, ...rest } = state;
  return stepAnswer({ s, client, user, state: { ...rest, done: [...state.done, "device_approval"] } });
}

export type LoginStatus = StepAnswer | { step: "login_approval"; expiresIn: number } | { step: "denied" };

/**
 * GET /auth/login/status: where a login waiting for its owner's approval stands. While undecided the answer is
 * `login_approval` (polling extends nothing: the pre-auth token keeps its expiry); after a deny, `denied`;
 * after an approve, the next step itself with a new pre-auth token. At any other step it answers that step.
 */
export async function loginStatus(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  preAuthToken: string,
): Promise<LoginStatus> {
  const ctx = await loadLoginStep(s, preAuthToken, deviceHash);
  const { user, state, current } = ctx;
  if (current !== "login_approval") return stepAnswer({ s, client, user, state });
  const decided = await approvalState(s, state.approval as string, user.id);
  if (decided === "denied") return { step: "denied" };
  if (decided === "pending") {
    return { step: "login_approval", expiresIn: Math.max(0, Math.floor((ctx.expiresAt - s.now()) / 1000)) };
  }
  return stepAnswer({ s, client, user, state: { ...state, done: [...state.done, "login_approval"] } });
}
