import { findUserById } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { readPreAuthToken } from "./pre-auth";
import { currentStep, type StepContext } from "./step-machine";

/** Loads the user and state behind a pre-auth token and checks that `step` is the login's current step. */
export async function loadLoginStep(
  ctx: RequestContext,
  input: { token: string; deviceHash: string | null; step?: string },
) {
  const state = await readPreAuthToken(ctx.config, input.token, input.deviceHash, ctx.now());
  const user = await findUserById(ctx.db, state.userId);
  if (!user || user.disabledAt !== null) {
    throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
  }
  // `facts` is filled by the requirements that need them (read once), and handed on to the caller.
  const login: StepContext & { state: typeof state } = { ctx, user, state };
  const current = await currentStep(login);
  if (input.step !== undefined && current !== input.step) {
    throw new AuthError("step_required", {
      detail: `Complete the "${current}" step first.`,
      extra: { step: current },
    });
  }
  return { ...login, jti: state.jti, expiresAt: state.expiresAt, current };
}
