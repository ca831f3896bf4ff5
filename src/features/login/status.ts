import type { RequestContext } from "../../platform/context";
import { approvalState } from "./approval";
import { loadLoginStep } from "./load-step";
import { type StepAnswer, stepAnswer } from "./step-machine";

export type LoginStatus = StepAnswer | { step: "login_approval"; expiresIn: number } | { step: "denied" };

/**
 * GET /auth/login/status: where a login waiting for its owner's approval stands. While undecided the answer is
 * `login_approval` (polling extends nothing: the pre-auth token keeps its expiry); after a deny, `denied`;
 * after an approve, the next step itself with a new pre-auth token. At any other step it answers that step.
 */
export async function loginStatus(
  ctx: RequestContext,
  input: { deviceHash: string | null; preAuthToken: string },
): Promise<LoginStatus> {
  const login = await loadLoginStep(ctx, { token: input.preAuthToken, deviceHash: input.deviceHash });
  const { user, state, current } = login;
  if (current !== "login_approval") return stepAnswer({ ctx, user, state });
  const decided = await approvalState(ctx, { approvalId: state.approval as string, userId: user.id });
  if (decided === "denied") return { step: "denied" };
  if (decided === "pending") {
    return {
      step: "login_approval",
      expiresIn: Math.max(0, Math.floor((login.expiresAt - ctx.now()) / 1000)),
    };
  }
  return stepAnswer({ ctx, user, state: { ...state, done: [...state.done, "login_approval"] } });
}
