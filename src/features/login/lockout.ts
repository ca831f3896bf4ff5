import { verifyPassword } from "../../crypto/password";
import { normalizePassword } from "../../crypto/password-policy";
import { recordLoginFailure, type UserRow } from "../../db/users";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { type PreparedEmail, prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { loginEvent } from "./store";

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

/**
 * Re-authentication (2FA disable, recovery codes, change-password, … — every endpoint that asks a signed-in user
 * for their current password) is the same guessable secret as the login, so it obeys the same lockout: a wrong
 * password counts toward LOCKOUT_THRESHOLD (and its lock mail), is recorded in the login activity, and answers
 * `401 invalid_credentials`; while the account is locked even the right password is refused. A stolen session
 * cannot guess the password without limit.
 */
export async function verifyCurrentPassword(
  ctx: RequestContext,
  input: {
    user: Pick<UserRow, "id" | "email" | "name" | "passwordHash" | "lockedUntil">;
    password: string;
    /** A step-up (features/step-up): a wrong password is recorded in the login activity as `step_up_failed`. */
    stepUp?: boolean;
  },
): Promise<void> {
  const { user } = input;
  const ok = verifyPassword(normalizePassword(input.password), user.passwordHash);
  const locked = isLockedOut(user, ctx.now());
  if (ok && !locked) return;
  const { lockMail } = locked ? { lockMail: null } : await countWrongPassword(ctx, user);
  const reason = locked ? "locked" : lockMail ? "lockout_started" : "wrong_password";
  const outcome = locked || lockMail ? "locked" : input.stepUp ? "step_up_failed" : "failure";
  await commit(ctx, {
    writes: [loginEvent(ctx, { userId: user.id, outcome, reason: `reauthentication_${reason}` })],
    audit: {
      action: lockMail ? "login.locked" : "login.failed",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { reason, reauthentication: true },
    },
    mails: [lockMail],
  });
  throw new AuthError("invalid_credentials", { internal: { reason: `reauthentication: ${reason}` } });
}
