import type { RequestContext } from "../../platform/context";
import { touchTrustedDevice, trustDevice, trustedDevice } from "./store";

/**
 * The rule "device approval applies from a user's second device": the device of a user's first session is
 * trusted automatically when that session is created, and from then on every login from a device that is not
 * trusted must prove itself with the code mailed to the account (the `device_approval` login step).
 */
export async function deviceApprovalRequired(
  ctx: RequestContext,
  login: { userId: string; deviceHash: string; hadSession: boolean },
): Promise<boolean> {
  return login.hadSession && !(await trustedDevice(ctx.kv, login.userId, login.deviceHash));
}

/** At session creation: the first session's device becomes trusted; a trusted device's last use is recorded. */
export async function rememberSessionDevice(
  ctx: RequestContext,
  session: { userId: string; deviceHash: string; firstSession: boolean },
): Promise<void> {
  const { userId, deviceHash } = session;
  const known = await trustedDevice(ctx.kv, userId, deviceHash);
  if (known) return touchTrustedDevice(ctx.kv, { userId, device: known, now: ctx.now() });
  if (session.firstSession) {
    await trustDevice(ctx.kv, { userId, deviceHash, name: ctx.client.device, now: ctx.now() });
  }
}
