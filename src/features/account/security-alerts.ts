import type { UserRow } from "../../db/users";
import { type ClientInfo, locationLabel } from "../../platform/client";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { type PreparedEmail, prepareEmail } from "../../platform/outbox";

/**
 * A "security alert" mail about `event` (a sentence the user reads), with where the change came from, and a
 * way out (reset the password) when it was not them. Where it came from is the request's client
 * (`ctx.client`) unless `client` says otherwise: another place (a denied login's device and location, not
 * the device that opened the link), or `null` when the change was not the user's own request (an
 * administrator's action, background work): then the mail names no device, IP or location.
 */
export function prepareSecurityAlert(
  ctx: RequestContext,
  input: { user: Pick<UserRow, "email" | "name">; event: string; client?: ClientInfo | null },
): Promise<PreparedEmail> {
  const { user, event } = input;
  const client = input.client === undefined ? ctx.client : input.client;
  const location = client ? locationLabel(client) : null;
  return prepareEmail(outboxDeps(ctx), {
    template: "security_alert",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      event,
      ...(client ? { device: client.device } : {}),
      ...(client?.ip ? { ip: client.ip } : {}),
      ...(location ? { location } : {}),
      resetUrl: `${ctx.config.PUBLIC_ORIGIN}/forgot-password`,
    },
  });
}
