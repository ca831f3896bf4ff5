import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { presentedDevice } from "../../http/device";
import type { RequestContext } from "../../platform/context";
import type { StepAnswer } from "./step-machine";

/** What every login-step service takes besides its own input: the device the request presents. */
export type StepInput<I> = Omit<I, "deviceId"> & { deviceHash: string | null };

/**
 * A login step endpoint: finds the caller's device, runs the step's service, and answers the next step with the
 * device id (non-browser clients send it back) — never cached.
 */
export async function loginStepAnswer<I extends { deviceId?: string }>(
  c: Context<AppEnv>,
  input: I,
  step: (ctx: RequestContext, input: StepInput<I>) => Promise<StepAnswer>,
): Promise<StepAnswer & { deviceId: string }> {
  const { deviceId, ...rest } = input;
  const device = await presentedDevice(c, deviceId);
  const answer = await step(c.var.ctx, { ...rest, deviceHash: device?.hash ?? null });
  c.header("Cache-Control", "no-store");
  return { ...answer, deviceId: device?.id ?? "" };
}
