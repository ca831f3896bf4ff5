import type { BatchItem } from "drizzle-orm/batch";
import { revokeAtEdge } from "../../auth/revocation";
import { hashPassword, verifyPassword } from "../../crypto/password";
import { normalizePassword } from "../../crypto/password-policy";
import { generateToken, hashToken, isWellFormedToken } from "../../crypto/tokens";
import { insertActionToken, liveActionTokenOwner, voidActionTokens } from "../../db/action-tokens";
import { findUserByEmail, findUserById, markEmailVerified, setPassword, type UserRow } from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import { argon2Params, outboxDeps, rateLimitDeps, type ServiceDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { emailSubject, enforceRateLimits } from "../../platform/rate-limits";
import { prepareSecurityAlert } from "../account/security-alerts";
import { releaseSlots } from "../sessions/single-session";
import { revokeUserSessionsStatement } from "../sessions/store";
import { breachedOrPolicyRejection, rejectUnchangedPassword } from "./rules";

/**
 * Forgot / reset / change password (ASVS V2.5). A reset link is single-use, valid one hour, and never signs
 * the user in; completing it revokes every session. A change needs the current password and revokes the
 * other sessions. Both notify the owner by mail.
 */
export async function forgotPassword(s: ServiceDeps, client: ClientInfo, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  await enforceRateLimits(rateLimitDeps(s), [
    ["forgot:ip", client.ip ?? "unknown"],
    ["forgot:email", await emailSubject(email)],
  ]);
  const user = await findUserByEmail(s.db, email);
  if (!user || user.disabledAt !== null) return; // 202 all the same
  const now = s.now();
  const token = generateToken(s.random);
  const minutes = Math.round(s.config.PASSWORD_RESET_TTL / 60);
  const mail = await prepareEmail(outboxDeps(s), {
    template: "password_reset",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      resetUrl: `${s.config.PUBLIC_ORIGIN}/reset-password?token=${token}`,
      expiresMinutes: minutes,
    },
  });
  await s.db.batch([
    insertActionToken(s.db, {
      tokenHash: await hashToken(token),
      purpose: "password_reset",
      userId: user.id,
      expiresAt: now + s.config.PASSWORD_RESET_TTL * 1000,
      createdAt: now,
    }),
    mail.statement,
    auditStatement(s, client, { action: "password.reset_requested", target: { type: "user", id: user.id } }),
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
}

export async function resetPassword(
  s: ServiceDeps,
  client: ClientInfo,
  input: { token: string; newPassword: string },
): Promise<void> {
  await enforceRateLimits(rateLimitDeps(s), [["reset:ip", client.ip ?? "unknown"]]);
  const now = s.now();
  const tokenHash = isWellFormedToken(input.token) ? await hashToken(input.token) : null;
  const userId = tokenHash ? await liveActionTokenOwner(s.db, tokenHash, "password_reset", now) : undefined;
  const user = userId ? await findUserById(s.db, userId) : undefined;
  if (!tokenHash || !user) throw new AuthError("invalid_token");
  // The policy is checked before the token is spent, so a rejected password does not burn the link.
  const password = await breachedOrPolicyRejection(s, input.newPassword, user.email, "newPassword");
  const hash = hashPassword(password, argon2Params(s.config), s.random);
  // Consume + set + revoke in one batch; the consume is conditional, so only one of two racing resets acts.
  const d1 = s.db.$client;
  const [consumed] = await d1.batch([
    d1
      .prepare(
        "UPDATE action_tokens SET consumed_at = ?1 WHERE token_hash = ?2 AND purpose = 'password_reset' AND consumed_at IS NULL AND expires_at > ?1",
      )
      .bind(now, tokenHash),
  ]);
  if ((consumed?.meta.changes ?? 0) !== 1) throw new AuthError("invalid_token");
  // The link proves the address, so an unverified account becomes verified.
  await changePasswordAndRevoke(s, client, user, hash, "password.reset", {
    extra: [voidActionTokens(s.db, user.id, "password_reset", now), markEmailVerified(s.db, user.id, now)],
    event: "Your password was reset. Every device was signed out.",
  });
}

export async function changePassword(
  s: ServiceDeps,
  client: ClientInfo,
  auth: { userId: string; sid: string },
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  await enforceRateLimits(rateLimitDeps(s), [["change-password:user", auth.userId]]);
  const user = await findUserById(s.db, auth.userId);
  if (!user) throw new AuthError("unauthorized");
  if (!verifyPassword(normalizePassword(input.currentPassword), user.passwordHash)) {
    throw AuthError.validation(
      [{ path: "currentPassword", message: "The current password is incorrect.", reason: "incorrect" }],
      "The current password is incorrect.",
    );
  }
  const password = await breachedOrPolicyRejection(s, input.newPassword, user.email, "newPassword");
  rejectUnchangedPassword(password, user.passwordHash);
  await changePasswordAndRevoke(
    s,
    client,
    user,
    hashPassword(password, argon2Params(s.config), s.random),
    "password.changed",
    {
      except: auth.sid,
      event: "Your password was changed. Your other devices were signed out.",
    },
  );
}

async function changePasswordAndRevoke(
  s: ServiceDeps,
  client: ClientInfo,
  user: UserRow,
  hash: string,
  action: "password.reset" | "password.changed",
  options: { except?: string; event: string; extra?: BatchItem<"sqlite">[] },
): Promise<string[]> {
  const now = s.now();
  const mail = await prepareSecurityAlert(s, user, options.event, client);
  const revokeStatement = revokeUserSessionsStatement(s.db, user.id, now, action, options.except);
  const [, revoked] = await s.db.batch([
    setPassword(s.db, user.id, hash, now),
    revokeStatement,
    mail.statement,
    auditStatement(s, client, { action, actorId: user.id, target: { type: "user", id: user.id } }),
    ...(options.extra ?? []),
  ]);
  const ids = revoked.map((r) => r.id);
  await revokeAtEdge({ kv: s.env.KV, now: s.now, accessTokenTtl: s.config.ACCESS_TOKEN_TTL }, ids, action);
  await releaseSlots(s, user.id, ids);
  await dispatchEmails(outboxDeps(s), [mail.message]);
  return ids;
}
