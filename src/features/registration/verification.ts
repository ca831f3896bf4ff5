import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { consumeActionToken, insertActionToken, voidActionTokens } from "../../db/action-tokens";
import { findUserByEmail, isRegistrationExpired, markEmailVerified, type UserRow } from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { type AuditAction, audit, auditStatement, type RequestMeta } from "../../platform/audit";
import type { Config } from "../../platform/config";
import { outboxDeps, rateLimitDeps, type ServiceDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { emailSubject, enforceRateLimits, hitRateLimit } from "../../platform/rate-limits";

/** The exact copy of ../shared/API.md, with the configured link lifetime. */
export function verificationMessage(config: Config): string {
  const hours = Math.round(config.VERIFICATION_TOKEN_TTL / 3600);
  return `Registration almost done — check your email. The link is valid for ${hours} hours.`;
}

/**
 * Issues a new verification link and mails it, unless the address already received its daily share
 * (3 a day): beyond that the request is answered the same way but nothing is sent, and it is audited.
 */
export async function sendVerificationMail(
  s: ServiceDeps,
  meta: RequestMeta,
  user: Pick<UserRow, "id" | "email" | "name">,
  action: AuditAction,
): Promise<boolean> {
  const daily = await hitRateLimit(rateLimitDeps(s), "verify-mail:email", await emailSubject(user.email));
  if (!daily.allowed) {
    await audit(s, meta, { action: "user.verification_suppressed", target: { type: "user", id: user.id } });
    return false;
  }
  const now = s.now();
  const token = generateToken(s.random);
  const mail = await prepareEmail(outboxDeps(s), {
    template: "verify_email",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      verifyUrl: `${s.config.PUBLIC_ORIGIN}/api/v1/auth/verify-email?token=${token}`,
      expiresHours: Math.round(s.config.VERIFICATION_TOKEN_TTL / 3600),
    },
  });
  await s.db.batch([
    insertActionToken(s.db, {
      tokenHash: await hashToken(token),
      purpose: "verify_email",
      userId: user.id,
      expiresAt: now + s.config.VERIFICATION_TOKEN_TTL * 1000,
      createdAt: now,
    }),
    mail.statement,
    auditStatement(s, meta, { action, target: { type: "user", id: user.id } }),
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
  return true;
}

/**
 * POST /auth/resend-verification. Always ends in 202 for the caller, whether or not the address exists,
 * is verified or has used its daily share (no enumeration). Only the per-IP and per-address request limits
 * answer 429, and they count unknown addresses exactly like known ones.
 */
export async function resendVerification(s: ServiceDeps, meta: RequestMeta, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  await enforceRateLimits(rateLimitDeps(s), [
    ["resend:ip", meta.ip ?? "unknown"],
    ["resend:email", await emailSubject(email)],
  ]);
  const user = await findUserByEmail(s.db, email);
  if (!user || user.emailVerifiedAt !== null) return;
  if (await isRegistrationExpired(s.db, user.id, s.now())) {
    // An expired registration no longer holds the address: the person registers again instead.
    return;
  }
  await sendVerificationMail(s, meta, user, "user.verification_resent");
}

/** GET /auth/verify-email?token=: single use, 24 h; consuming the token and verifying are one batch. */
export async function verifyEmail(
  s: ServiceDeps,
  meta: RequestMeta,
  token: string,
): Promise<{ userId: string }> {
  await enforceRateLimits(rateLimitDeps(s), [["verify:ip", meta.ip ?? "unknown"]]);
  const now = s.now();
  const userId = isWellFormedToken(token)
    ? await consumeActionToken(s.db, await hashToken(token), "verify_email", now)
    : undefined;
  if (!userId) {
    await audit(s, meta, { action: "user.email_verification_failed" });
    throw new AuthError("invalid_token");
  }
  await s.db.batch([
    markEmailVerified(s.db, userId, now),
    voidActionTokens(s.db, userId, "verify_email", now),
    auditStatement(s, meta, {
      action: "user.email_verified",
      actorId: userId,
      target: { type: "user", id: userId },
    }),
  ]);
  return { userId };
}
