import type { UserRow } from "../../db/users";
import { type PreparedEmail, prepareEmail } from "../../email/outbox";
import { type ClientInfo, locationLabel } from "../../platform/client";
import { outboxDeps, type ServiceDeps } from "../../platform/context";

/**
 * A "security alert" mail about `event` (a sentence the user reads), with where the change came from when it
 * came from the user's own request, and a way out (reset the password) when it was not them.
 */
export function prepareSecurityAlert(
  s: ServiceDeps,
  user: Pick<UserRow, "email" | "name">,
  event: string,
  client?: ClientInfo,
): Promise<PreparedEmail> {
  const location = client ? locationLabel(client) : null;
  return prepareEmail(outboxDeps(s), {
    template: "security_alert",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      event,
      ...(client ? { device: client.device } : {}),
      ...(client?.ip ? { ip: client.ip } : {}),
      ...(location ? { location } : {}),
      resetUrl: `${s.config.PUBLIC_ORIGIN}/forgot-password`,
    },
  });
}
