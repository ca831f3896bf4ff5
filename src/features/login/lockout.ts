import { recordLoginFailure, type UserRow } from "../../db/users";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { type PreparedEmail, prepareEmail } from "../../platform/outbox";

/**
 * The rule "a lockout answers like a wrong password" (ASVS V2.2.1, no user enumeration): LOCKOUT_THRESHOLD
 * consecutive wrong passwords lock the account for LOCKOUT_SECONDS, and while it is locked every attempt — even
 * with the right password — gets the same 401 `invalid_credentials` as a wrong password or an unknown address.
 * Only the owner learns of it, by the mail sent when the lock starts.
 */
export function isLockedOut(user: Pick<UserRow, "lockedUntil">, now: number): boolean {
  return user.lockedUntil !== null && user.lockedUntil > now;
}

/**
 * Counts a wrong password (one conditional write: concurrent failures all count). When this failure starts the
 * lock, answers the lockout mail to commit with the failure's audit.
 */
export async function countWrongPassword(
  ctx: RequestContext,
  user: Pick<UserRow, "id" | "email" | "name">,
): Promise<{ lockMail: PreparedEmail | null }> {
  const now = ctx.now();
  const lockUntil = now + ctx.config.LOCKOUT_SECONDS * 1000;
  const after = await recordLoginFailure(ctx.db, {
    userId: user.id,
    now,
    threshold: ctx.config.LOCKOUT_THRESHOLD,
    lockUntil,
  });
  const startedLock =
    after?.lockedUntil === lockUntil && after.failedLoginCount === ctx.config.LOCKOUT_THRESHOLD;
  if (!startedLock) return { lockMail: null };
  const lockMail = await prepareEmail(outboxDeps(ctx), {
    template: "lockout",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      minutes: Math.round(ctx.config.LOCKOUT_SECONDS / 60),
      resetUrl: `${ctx.config.PUBLIC_ORIGIN}/forgot-password`,
    },
  });
  return { lockMail };
}
