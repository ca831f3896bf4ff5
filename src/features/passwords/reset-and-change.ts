import { hashPassword } from "../../crypto/password";
import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import {
  consumeActionToken,
  insertActionToken,
  liveActionTokenOwner,
  voidActionTokens,
} from "../../db/action-tokens";
import {
  findUserByEmail,
  findUserById,
  markEmailVerified,
  newSecurityStamp,
  setPassword,
  type UserRow,
} from "../../db/users";
import { argon2Params, outboxDeps, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { emailSubject, enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { prepareSecurityAlert } from "../account/security-alerts";
import { verifyCurrentPassword } from "../login/lockout";
import { sessionsEnded } from "../sessions/end";
import { revokeSessionsStatement } from "../sessions/store";
import { breachedOrPolicyRejection, rejectUnchangedPassword } from "./rules";

/**
 * Forgot / reset / change password (ASVS V2.5). A reset link is single-use, valid one hour, and never signs
 * the user in; completing it revokes every session. A change needs the current password and revokes the
 * other sessions. Both notify the owner by mail.
 */
export async function forgotPassword(ctx: RequestContext, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  await enforceRateLimits(rateLimitDeps(ctx), [
    ["forgot:ip", ctx.client.ip ?? "unknown"],
    ["forgot:email", await emailSubject(email)],
  ]);
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.disabledAt !== null) return; // 202 all the same
  const now = ctx.now();
  const token = generateToken(ctx.random);
  const minutes = Math.round(ctx.config.PASSWORD_RESET_TTL / 60);
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "password_reset",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      resetUrl: `${ctx.config.PUBLIC_ORIGIN}/reset-password?token=${token}`,
      expiresMinutes: minutes,
    },
  });
  await commit(ctx, {
    writes: [
      insertActionToken(ctx.db, {
        tokenHash: await hashToken(token),
        purpose: "password_reset",
        userId: user.id,
        expiresAt: now + ctx.config.PASSWORD_RESET_TTL * 1000,
        createdAt: now,
      }),
    ],
    audit: { action: "password.reset_requested", target: { type: "user", id: user.id } },
    mails: [mail],
  });
}

export async function resetPassword(
  ctx: RequestContext,
  input: { token: string; newPassword: string },
): Promise<void> {
  await enforceRateLimits(rateLimitDeps(ctx), [["reset:ip", ctx.client.ip ?? "unknown"]]);
  const now = ctx.now();
  const tokenHash = isWellFormedToken(input.token) ? await hashToken(input.token) : null;
  const userId = tokenHash ? await liveActionTokenOwner(ctx.db, tokenHash, "password_reset", now) : undefined;
  const user = userId ? await findUserById(ctx.db, userId) : undefined;
  if (!tokenHash || !user) throw new AuthError("invalid_token");
  // The policy is checked before the token is spent, so a rejected password does not burn the link.
  const password = await breachedOrPolicyRejection(ctx, {
    password: input.newPassword,
    email: user.email,
    path: "newPassword",
  });
  const hash = hashPassword(password, argon2Params(ctx.config), ctx.random);
  // The consume is conditional, so only one of two racing resets goes on to set the password.
  if ((await consumeActionToken(ctx.db, tokenHash, "password_reset", now)) !== user.id) {
    throw new AuthError("invalid_token");
  }
  // The link proves the address, so an unverified account becomes verified.
  await changePasswordAndRevoke(ctx, {
    user,
    hash,
    action: "password.reset",
    options: {
      verify: true,
      event: "Your password was reset. Every device was signed out.",
    },
  });
}

export async function changePassword(
  ctx: RequestContext,
  input: { auth: { userId: string; sid: string }; currentPassword: string; newPassword: string },
): Promise<void> {
  const { auth } = input;
  await enforceRateLimits(rateLimitDeps(ctx), [["change-password:user", auth.userId]]);
  const user = await findUserById(ctx.db, auth.userId);
  if (!user) throw new AuthError("unauthorized");
  await verifyCurrentPassword(ctx, { user, password: input.currentPassword });
  const password = await breachedOrPolicyRejection(ctx, {
    password: input.newPassword,
    email: user.email,
    path: "newPassword",
  });
  rejectUnchangedPassword(password, user.passwordHash);
  await changePasswordAndRevoke(ctx, {
    user,
    hash: hashPassword(password, argon2Params(ctx.config), ctx.random),
    action: "password.changed",
    options: {
      except: auth.sid,
      event: "Your password was changed. Your other devices were signed out.",
    },
  });
}

/**
 * Sets the password and revokes the user's sessions (all, or all but `except`) in one batch with the audit
 * entry and the security alert; then the revoked sessions end at the edge. `verify` (a reset link, which proves
 * the address) also voids the other reset links and marks the address verified.
 */
async function changePasswordAndRevoke(
  ctx: RequestContext,
  input: {
    user: UserRow;
    hash: string;
    action: "password.reset" | "password.changed";
    options: { except?: string; event: string; verify?: boolean };
  },
): Promise<void> {
  const { user, hash, action, options } = input;
  const now = ctx.now();
  const mail = await prepareSecurityAlert(ctx, { user, event: options.event });
  await commit(ctx, {
    writes: [
      setPassword(ctx.db, {
        userId: user.id,
        passwordHash: hash,
        securityStamp: newSecurityStamp(ctx.random),
        now,
      }),
      revokeSessionsStatement(ctx.db, { userId: user.id, now, reason: action, except: options.except }),
      ...(options.verify
        ? [voidActionTokens(ctx.db, user.id, "password_reset", now), markEmailVerified(ctx.db, user.id, now)]
        : []),
    ],
    audit: { action, actorId: user.id, target: { type: "user", id: user.id } },
    mails: [mail],
    after: ([, revoked]) => sessionsEnded(ctx, revoked, action),
  });
}
