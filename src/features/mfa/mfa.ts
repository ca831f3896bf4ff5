import { fromBase64url, toBase64url } from "../../crypto/encoding";
import {
  base32Secret,
  generateRecoveryCodes,
  generateTotpSecret,
  isRecoveryCodeShape,
  matchTotp,
  normalizeRecoveryCode,
  qrSvg,
  totpUri,
} from "../../crypto/otp";
import { verifyPassword } from "../../crypto/password";
import { normalizePassword } from "../../crypto/password-policy";
import { open, openJson, seal, sealJson } from "../../crypto/secretbox";
import { hashToken } from "../../crypto/tokens";
import { findUserById, type UserRow } from "../../db/users";
import { dispatchEmails } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import { outboxDeps, type ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { verifyTurnstile } from "../../platform/turnstile";
import { prepareSecurityAlert } from "../account/security-alerts";
import {
  acceptTotpCounter,
  deleteRecoveryCodes,
  deleteUserMfa,
  findUserMfa,
  insertRecoveryCodes,
  insertUserMfa,
  recordMfaFailure,
  unusedRecoveryCodeCount,
  useRecoveryCode,
} from "./store";

/**
 * TOTP second factor (RFC 6238, via @oslojs/otp with the injected clock): enrolment with a QR code, recovery
 * codes, replay protection, and the 2FA lockout (5 wrong codes in a row → 5 minutes, then Turnstile).
 */
export const MFA_LOCK_THRESHOLD = 5;
export const MFA_LOCK_MS = 5 * 60_000;
const SETUP_TTL_SECONDS = 600;
const SETUP_PREFIX = "mfa-setup:";

const invalidCode = (reason: string) => new AuthError("invalid_code", { internal: { reason } });

function secretContext(userId: string): string {
  return `totp:${userId}`;
}

export async function recoveryCodeHash(userId: string, code: string): Promise<string> {
  return hashToken(`recovery:${userId}:${code}`);
}

/** Statements that replace a user's recovery codes with `codes` (stored hashed, in canonical form). */
async function replaceRecoveryCodes(s: ServiceDeps, userId: string, codes: string[], now: number) {
  const hashes = await Promise.all(
    codes.map((c) => recoveryCodeHash(userId, normalizeRecoveryCode(c) as string)),
  );
  return [deleteRecoveryCodes(s.db, userId), insertRecoveryCodes(s.db, userId, hashes, now)] as const;
}

export async function mfaEnabled(s: ServiceDeps, userId: string): Promise<boolean> {
  return Boolean(await findUserMfa(s.db, userId));
}

/** enable-init: a new secret, kept sealed in KV for 10 minutes under a challenge id. */
export async function startEnrolment(s: ServiceDeps, user: Pick<UserRow, "id" | "email">) {
  if (await findUserMfa(s.db, user.id)) {
    throw new AuthError("conflict", { detail: "Two-factor authentication is already on." });
  }
  const secret = generateTotpSecret(s.random);
  const challengeId = toBase64url(s.random(18));
  const sealed = await sealJson(
    { userId: user.id, secret: toBase64url(secret) },
    s.config.ENCRYPTION_KEYS,
    `${SETUP_PREFIX}${challengeId}`,
    s.random,
  );
  await s.env.KV.put(`${SETUP_PREFIX}${challengeId}`, sealed, { expirationTtl: SETUP_TTL_SECONDS });
  const uri = totpUri(secret, "Gatehouse", user.email);
  return { challengeId, secret: base32Secret(secret), otpauthUri: uri, qrSvg: qrSvg(uri) };
}

/** enable-complete: the first code proves the authenticator works; answers the recovery codes (shown once). */
export async function completeEnrolment(
  s: ServiceDeps,
  client: ClientInfo,
  user: Pick<UserRow, "id" | "email" | "name">,
  input: { challengeId: string; code: string },
): Promise<{ recoveryCodes: string[] }> {
  const key = `${SETUP_PREFIX}${input.challengeId}`;
  const sealed = /^[A-Za-z0-9_-]{16,64}$/.test(input.challengeId) ? await s.env.KV.get(key) : null;
  const pending = sealed
    ? await openJson<{ userId: string; secret: string }>(sealed, s.config.ENCRYPTION_KEYS, key)
    : null;
  if (!pending || pending.userId !== user.id) throw invalidCode("unknown challenge");
  const secret = fromBase64url(pending.secret);
  const counter = matchTotp(secret, input.code, s.now());
  if (counter === null) throw invalidCode("wrong code");
  const codes = generateRecoveryCodes(s.random);
  const now = s.now();
  const mail = await prepareSecurityAlert(
    s,
    user,
    "Two-factor authentication was turned on for your account.",
    client,
  );
  try {
    await s.db.batch([
      insertUserMfa(s.db, {
        userId: user.id,
        secret: await seal(secret, s.config.ENCRYPTION_KEYS, secretContext(user.id), s.random),
        enabledAt: now,
        lastCounter: counter,
      }),
      ...(await replaceRecoveryCodes(s, user.id, codes, now)),
      mail.statement,
      auditStatement(s, client, {
        action: "mfa.enabled",
        actorId: user.id,
        target: { type: "user", id: user.id },
      }),
    ]);
  } catch {
    throw new AuthError("conflict", { detail: "Two-factor authentication is already on." });
  }
  await s.env.KV.delete(key);
  await dispatchEmails(outboxDeps(s), [mail.message]);
  return { recoveryCodes: codes };
}

/**
 * Checks a second-factor code (TOTP or recovery code) for a login or a sensitive change. Locked second factors
 * answer like a wrong code; after a lock, Turnstile is required until a success.
 */
export async function verifySecondFactor(
  s: ServiceDeps,
  client: ClientInfo,
  user: Pick<UserRow, "id" | "email" | "name">,
  code: string,
  turnstileToken?: string,
): Promise<{ method: "totp" | "recovery_code" }> {
  const mfa = await findUserMfa(s.db, user.id);
  if (!mfa) throw invalidCode("no second factor");
  const now = s.now();
  if (mfa.lockedUntil !== null && mfa.lockedUntil > now) throw invalidCode("locked");
  if (mfa.captchaRequired) {
    const captcha = await verifyTurnstile(
      { fetch: s.fetch, secret: s.config.TURNSTILE_SECRET_KEY, verifyUrl: s.config.TURNSTILE_VERIFY_URL },
      turnstileToken,
      client.ip,
    );
    if (!captcha.ok) throw new AuthError("captcha_required", { internal: { reason: captcha.reason } });
  }
  if (isRecoveryCodeShape(code)) {
    const normalized = normalizeRecoveryCode(code);
    if (
      normalized &&
      (await useRecoveryCode(s.db, user.id, await recoveryCodeHash(user.id, normalized), now))
    ) {
      await recoveryCodeUsedMail(s, client, user);
      return { method: "recovery_code" };
    }
  } else {
    const secret = await open(mfa.secret, s.config.ENCRYPTION_KEYS, secretContext(user.id));
    if (!secret)
      throw new AuthError("internal_error", { internal: { reason: "TOTP secret cannot be opened" } });
    const counter = matchTotp(secret, code, now);
    if (counter !== null && (await acceptTotpCounter(s.db, user.id, counter))) return { method: "totp" };
  }
  const after = await recordMfaFailure(s.db, user.id, MFA_LOCK_THRESHOLD, now + MFA_LOCK_MS);
  if (after && after.failedCount === MFA_LOCK_THRESHOLD) {
    await s.db.batch([
      auditStatement(s, client, { action: "mfa.locked", target: { type: "user", id: user.id } }),
    ]);
  }
  throw invalidCode("wrong code");
}

async function recoveryCodeUsedMail(
  s: ServiceDeps,
  client: ClientInfo,
  user: Pick<UserRow, "id" | "email" | "name">,
) {
  const remaining = await unusedRecoveryCodeCount(s.db, user.id);
  const mail = await prepareSecurityAlert(
    s,
    user,
    `A recovery code was used to sign in. ${remaining} recovery code${remaining === 1 ? "" : "s"} remain${remaining === 1 ? "s" : ""}.`,
    client,
  );
  await s.db.batch([
    mail.statement,
    auditStatement(s, client, {
      action: "mfa.recovery_code_used",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { remaining },
    }),
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
}

async function requirePassword(user: UserRow, password: string): Promise<void> {
  if (!verifyPassword(normalizePassword(password), user.passwordHash)) {
    throw AuthError.validation(
      [{ path: "password", message: "The password is incorrect.", reason: "incorrect" }],
      "The password is incorrect.",
    );
  }
}

/** disable: password and a current code. */
export async function disableMfa(
  s: ServiceDeps,
  client: ClientInfo,
  userId: string,
  input: { password: string; code: string },
): Promise<void> {
  const user = await findUserById(s.db, userId);
  if (!user) throw new AuthError("unauthorized");
  await requirePassword(user, input.password);
  await verifySecondFactor(s, client, user, input.code);
  const mail = await prepareSecurityAlert(
    s,
    user,
    "Two-factor authentication was turned off for your account.",
    client,
  );
  await s.db.batch([
    deleteUserMfa(s.db, user.id),
    deleteRecoveryCodes(s.db, user.id),
    mail.statement,
    auditStatement(s, client, {
      action: "mfa.disabled",
      actorId: user.id,
      target: { type: "user", id: user.id },
    }),
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
}

/** recovery-codes: a new set (password required); the old ones stop working. */
export async function regenerateRecoveryCodes(
  s: ServiceDeps,
  client: ClientInfo,
  userId: string,
  password: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await findUserById(s.db, userId);
  if (!user) throw new AuthError("unauthorized");
  await requirePassword(user, password);
  if (!(await findUserMfa(s.db, user.id))) {
    throw new AuthError("conflict", { detail: "Turn on two-factor authentication first." });
  }
  const codes = generateRecoveryCodes(s.random);
  const now = s.now();
  await s.db.batch([
    ...(await replaceRecoveryCodes(s, user.id, codes, now)),
    auditStatement(s, client, {
      action: "mfa.recovery_codes_regenerated",
      actorId: user.id,
      target: { type: "user", id: user.id },
    }),
  ]);
  return { recoveryCodes: codes };
}

/** Admin reset of a user's second factor (they enrol again): audited with the reason, and the user is mailed. */
export async function adminResetMfa(
  s: ServiceDeps,
  client: ClientInfo,
  actorId: string,
  userId: string,
  reason: string,
): Promise<void> {
  const user = await findUserById(s.db, userId);
  if (!user) throw new AuthError("not_found");
  const mail = await prepareSecurityAlert(
    s,
    user,
    "An administrator reset two-factor authentication on your account. Set it up again at your next sign-in.",
  );
  await s.db.batch([
    deleteUserMfa(s.db, user.id),
    deleteRecoveryCodes(s.db, user.id),
    mail.statement,
    auditStatement(s, client, {
      action: "mfa.admin_reset",
      actorId,
      target: { type: "user", id: user.id },
      reason,
    }),
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
}
