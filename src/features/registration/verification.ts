import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { consumeActionToken, insertActionToken, voidActionTokens } from "../../db/action-tokens";
import { findUserByEmail, isRegistrationExpired, markEmailVerified, type UserRow } from "../../db/users";
import type { AuditAction } from "../../platform/audit";
import type { Config } from "../../platform/config";
import { outboxDeps, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { emailSubject, enforceRateLimits, hitRateLimit } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";

/** The exact copy of ../shared/API.md, with the configured link lifetime. */
export function verificationMessage(config: Config): string {
  const hours = Math.round(config.VERIFICATION_TOKEN_TTL / 3600);
  return `Registration almost done — check your email. The link is valid for ${hours} hours.`;
}

/**
 * The mailed link: the confirmation page (`GET /verify-email`), never the API. Opening it decides nothing — mail
 * scanners open every link — the page's button POSTs the token (../shared/API.md "Mailed links decide nothing
 * on GET").
 */
export function verifyEmailUrl(config: Config, token: string): string {
  return `${config.PUBLIC_ORIGIN}/verify-email?token=${token}`;
}

/**
 * Issues a new verification link and mails it, unless the address already received its daily share
 * (3 a day): beyond that the request is answered the same way but nothing is sent, and it is audited.
 */
export async function sendVerificationMail(
  ctx: RequestContext,
  input: { user: Pick<UserRow, "id" | "email" | "name">; action: AuditAction },
): Promise<boolean> {
  const { user, action } = input;
  const daily = await hitRateLimit(rateLimitDeps(ctx), "verify-mail:email", await emailSubject(user.email));
  if (!daily.allowed) {
    await commit(ctx, {
      audit: { action: "user.verification_suppressed", target: { type: "user", id: user.id } },
    });
    return false;
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
        userId: user.id,
        expiresAt: now + ctx.config.VERIFICATION_TOKEN_TTL * 1000,
        createdAt: now,
      }),
    ],
    audit: { action, target: { type: "user", id: user.id } },
    mails: [mail],
  });
  return true;
}

/**
 * POST /auth/resend-verification. Always ends in 202 for the caller, whether or not the address exists,
 * is verified or has used its daily share (no enumeration). Only the per-IP and per-address request limits
 * answer 429, and they count unknown addresses exactly like known ones.
 */
export async function resendVerification(ctx: RequestContext, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  await enforceRateLimits(rateLimitDeps(ctx), [
    ["resend:ip", ctx.client.ip ?? "unknown"],
    ["resend:email", await emailSubject(email)],
  ]);
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.emailVerifiedAt !== null) return;
  if (await isRegistrationExpired(ctx.db, user.id, ctx.now())) {
    // An expired registration no longer holds the address: the person registers again instead.
    return;
  }
  await sendVerificationMail(ctx, { user, action: "user.verification_resent" });
}

/**
 * POST /auth/verify-email `{ token }` (and a JSON client's GET): single use, 24 h. The token belongs to the user
 * row of the registration it was mailed for; a later registration of the address is a new user row (the old one
 * and its links are erased, see pending-registration.ts), so a link activates only its own registration's
 * password. The first verification voids every other link of the address.
 */
export async function verifyEmail(ctx: RequestContext, token: string): Promise<{ userId: string }> {
  await enforceRateLimits(rateLimitDeps(ctx), [["verify:ip", ctx.client.ip ?? "unknown"]]);
  const now = ctx.now();
  const userId = isWellFormedToken(token)
    ? await consumeActionToken(ctx.db, await hashToken(token), "verify_email", now)
    : undefined;
  if (!userId) {
    await commit(ctx, { audit: { action: "user.email_verification_failed" } });
    throw new AuthError("invalid_token");
  }
  await commit(ctx, {
    writes: [markEmailVerified(ctx.db, userId, now), voidActionTokens(ctx.db, userId, "verify_email", now)],
    audit: { action: "user.email_verified", actorId: userId, target: { type: "user", id: userId } },
  });
  return { userId };
}
