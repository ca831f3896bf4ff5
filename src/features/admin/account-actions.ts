import { generateToken, hashToken } from "../../crypto/tokens";
import { insertActionToken } from "../../db/action-tokens";
import { newSecurityStamp } from "../../db/users";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { mfaEnabled, secondFactorResetStatements } from "../mfa/mfa";
import { verifyEmailUrl } from "../registration/verification";
import { sessionsEnded } from "../sessions/end";
import { revokeSessionsStatement } from "../sessions/store";
import { abortUnless, adminActionGuard, lockStatement, unlockStatement } from "./store";
import { adminMail, adminTarget, refuseSelf, withAdminGuard } from "./target";

/** An admin action on an account: who acts, on whom, and why (1–500 characters, kept in the audit entry). */
export interface AccountAction {
  actorId: string;
  userId: string;
  reason: string;
}

/**
 * Lock (admin only): sign-in refused (`disabled_at`), the security stamp rotated so every login in flight dies,
 * every session ended in D1 and at the edge (their access tokens die at once), the user mailed — in one batch.
 * Locking oneself is refused, and so is locking the last active admin (two admins locking each other at once:
 * one of them stays).
 */
export async function lockUser(ctx: RequestContext, input: AccountAction): Promise<void> {
  const { actorId, userId, reason } = input;
  refuseSelf(input);
  const user = await adminTarget(ctx, userId);
  const now = ctx.now();
  const mail = await adminMail(ctx, "admin_account_locked", user);
  await withAdminGuard(ctx, { actorId, targetId: userId }, () =>
    commit(ctx, {
      writes: [
        abortUnless(ctx.db, { actorId, targetId: userId }, adminActionGuard(actorId, userId)),
        lockStatement(ctx.db, { userId, securityStamp: newSecurityStamp(ctx.random), now }),
        revokeSessionsStatement(ctx.db, { userId, now, reason: "admin_lock" }),
      ],
      audit: { action: "admin.user_locked", actorId, target: { type: "user", id: userId }, reason },
      mails: [mail],
      after: ([, , revoked]) => sessionsEnded(ctx, revoked, "admin_lock"),
    }),
  );
}

/** Unlock (admin, support): clears the admin lock and any login lockout; the user is mailed. */
export async function unlockUser(ctx: RequestContext, input: AccountAction): Promise<void> {
  const { actorId, userId, reason } = input;
  const user = await adminTarget(ctx, userId);
  await commit(ctx, {
    writes: [unlockStatement(ctx.db, userId, ctx.now())],
    audit: { action: "admin.user_unlocked", actorId, target: { type: "user", id: userId }, reason },
    mails: [await adminMail(ctx, "admin_account_unlocked", user)],
  });
}

/** Revoke sessions (admin, support): every session of the user ends in D1 and at the edge; the user is mailed. */
export async function revokeUserSessions(ctx: RequestContext, input: AccountAction): Promise<void> {
  const { actorId, userId, reason } = input;
  const user = await adminTarget(ctx, userId);
  await commit(ctx, {
    writes: [revokeSessionsStatement(ctx.db, { userId, now: ctx.now(), reason: "admin_revoked" })],
    audit: { action: "admin.sessions_revoked", actorId, target: { type: "user", id: userId }, reason },
    mails: [await adminMail(ctx, "admin_sessions_revoked", user)],
    after: ([revoked]) => sessionsEnded(ctx, revoked, "admin_revoked"),
  });
}

/**
 * Reset 2FA (admin only): the second factor and recovery codes are removed and the security stamp rotated; the
 * user enrols again at their next sign-in (a platform role must). A user without 2FA is 409; one's own is refused
 * (it would bypass the rule that platform roles keep 2FA).
 */
export async function resetUserMfa(ctx: RequestContext, input: AccountAction): Promise<void> {
  const { actorId, userId, reason } = input;
  refuseSelf(input);
  const user = await adminTarget(ctx, userId);
  if (!(await mfaEnabled(ctx, userId))) {
    throw new AuthError("conflict", { detail: "This user has no two-factor authentication to reset." });
  }
  await commit(ctx, {
    writes: secondFactorResetStatements(ctx, userId),
    audit: { action: "mfa.admin_reset", actorId, target: { type: "user", id: userId }, reason },
    mails: [await adminMail(ctx, "admin_mfa_reset", user)],
  });
}

/**
 * Resend verification (admin, support): a fresh verification link for an unverified address, outside the
 * address's daily cap (an administrator asked for it); an already verified address is 409.
 */
export async function resendUserVerification(
  ctx: RequestContext,
  input: { actorId: string; userId: string; reason?: string | undefined },
): Promise<void> {
  const { actorId, userId } = input;
  const user = await adminTarget(ctx, userId);
  if (user.emailVerifiedAt !== null) {
    throw new AuthError("conflict", { detail: "This address is already verified." });
  }
  const now = ctx.now();
  const token = generateToken(ctx.random);
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "verify_email",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      verifyUrl: verifyEmailUrl(ctx.config, token),
      expiresHours: Math.round(ctx.config.VERIFICATION_TOKEN_TTL / 3600),
    },
  });
  await commit(ctx, {
    writes: [
      insertActionToken(ctx.db, {
        tokenHash: await hashToken(token),
        purpose: "verify_email",
        userId,
        expiresAt: now + ctx.config.VERIFICATION_TOKEN_TTL * 1000,
        createdAt: now,
      }),
    ],
    audit: {
      action: "admin.verification_resent",
      actorId,
      target: { type: "user", id: userId },
      reason: input.reason || null,
    },
    mails: [mail],
  });
}
