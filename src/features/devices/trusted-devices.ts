import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit } from "../../platform/unit-of-work";
import { listTrustedDevices, revokeTrustedDevice } from "./store";

/** GET /auth/trusted-devices: the user's trusted devices, most recently used first. */
export async function trustedDevicesOf(ctx: RequestContext, userId: string) {
  const items = await listTrustedDevices(ctx.kv, userId);
  return items.map((d) => ({
    id: d.id,
    name: d.name,
    createdAt: new Date(d.createdAt).toISOString(),
    lastUsedAt: new Date(d.lastUsedAt).toISOString(),
  }));
}

/** POST /auth/trusted-devices/revoke: the device's next login needs approval again (404 when not trusted). */
export async function forgetTrustedDevice(
  ctx: RequestContext,
  input: { userId: string; deviceId: string },
): Promise<void> {
  const { userId, deviceId } = input;
  if (!(await revokeTrustedDevice(ctx.kv, userId, deviceId))) throw new AuthError("not_found");
  await commit(ctx, {
    audit: {
      action: "device.revoked",
      actorId: userId,
      target: { type: "user", id: userId },
      metadata: { deviceId },
    },
  });
}
