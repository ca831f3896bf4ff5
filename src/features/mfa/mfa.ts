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
import { open, openJson, seal, sealJson } from "../../crypto/secretbox";
import {
  findUserById,
  newSecurityStamp,
  platformRolesOf,
  rotateSecurityStampStatement,
  type UserRow,
} from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { verifyTurnstile } from "../../platform/outbound/turnstile";
import { commit } from "../../platform/unit-of-work";
import { prepareSecurityAlert } from "../account/security-alerts";
import { verifyCurrentPassword } from "../login/lockout";
import { countWrongCode, secondFactorLocked } from "./lockout";
import { recoveryCodeHash, recoveryCodeLookups } from "./recovery-code-hash";
import {
  acceptTotpCounter,
  deleteRecoveryCodes,
  deleteUserMfa,
  enrolmentKey,
  findUserMfa,
  forgetEnrolment,
  insertRecoveryCodes,
  insertUserMfa,
  stashEnrolment,
  stashedEnrolment,
  unusedRecoveryCodeCount,
  useRecoveryCode,
} from "./store";

/**
 * TOTP second factor (RFC 6238, via @oslojs/otp with the injected clock): enrolment with a QR code, recovery
 * codes, replay protection, and the 2FA lockout (lockout.ts).
 */

const invalidCode = (reason: string) => new AuthError("invalid_code", { internal: { reason } });

function secretContext(userId: string): string {
  return `totp:${userId}`;
}

/** Statements that replace a user's recovery codes with `codes` (stored as keyed HMACs: recovery-code-hash.ts). */
async function replaceRecoveryCodes(
  ctx: RequestContext,
  input: { userId: string; codes: string[]; now: number },
) {
  const { userId, codes, now } = input;
  const hashes = await Promise.all(
    codes.map((c) =>
      recoveryCodeHash(ctx.config.ENCRYPTION_KEYS, { userId, code: normalizeRecoveryCode(c) as string }),
    ),
  );
  return [deleteRecoveryCodes(ctx.db, userId), insertRecoveryCodes(ctx.db, userId, hashes, now)] as const;
}

export async function mfaEnabled(ctx: RequestContext, userId: string): Promise<boolean> {
  return Boolean(await findUserMfa(ctx.db, userId));
}

/** enable-init: a new secret, kept sealed in KV for 10 minutes under a challenge id. */
export async function startEnrolment(ctx: RequestContext, user: Pick<UserRow, "id" | "email">) {
  if (await findUserMfa(ctx.db, user.id)) {
    throw new AuthError("conflict", { detail: "Two-factor authentication is already on." });
  }
  const secret = generateTotpSecret(ctx.random);
  const challengeId = toBase64url(ctx.random(18));
  const sealed = await sealJson(
    { userId: user.id, secret: toBase64url(secret) },
    ctx.config.ENCRYPTION_KEYS,
    enrolmentKey(challengeId),
    ctx.random,
  );
  await stashEnrolment(ctx.kv, { challengeId, sealed });
  const uri = totpUri(secret, "Gatehouse", user.email);
  return { challengeId, secret: base32Secret(secret), otpauthUri: uri, qrSvg: qrSvg(uri) };
}

/** enable-complete: the first code proves the authenticator works; answers the recovery codes (shown once). */
export async function completeEnrolment(
  ctx: RequestContext,
  input: { user: Pick<UserRow, "id" | "email" | "name">; challengeId: string; code: string },
): Promise<{ recoveryCodes: string[] }> {
  const { user } = input;
  const key = enrolmentKey(input.challengeId);
  const sealed = /^[A-Za-z0-9_-]{16,64}$/.test(input.challengeId)
    ? await stashedEnrolment(ctx.kv, input.challengeId)
    : null;
  const pending = sealed
    ? await openJson<{ userId: string; secret: string }>(sealed, ctx.config.ENCRYPTION_KEYS, key)
    : null;
  if (!pending || pending.userId !== user.id) throw invalidCode("unknown challenge");
  const secret = fromBase64url(pending.secret);
  const counter = matchTotp(secret, input.code, ctx.now());
  if (counter === null) throw invalidCode("wrong code");
  const codes = generateRecoveryCodes(ctx.random);
  const now = ctx.now();
  const mail = await prepareSecurityAlert(ctx, {
    user,
    event: "Two-factor authentication was turned on for your account.",
  });
  const sealedSecret = await seal(secret, ctx.config.ENCRYPTION_KEYS, secretContext(user.id), ctx.random);
  const recovery = await replaceRecoveryCodes(ctx, { userId: user.id, codes, now });
  try {
    await commit(ctx, {
      writes: [
        insertUserMfa(ctx.db, {
          userId: user.id,
          secret: sealedSecret,
          enabledAt: now,
          lastCounter: counter,
        }),
        ...recovery,
      ],
      audit: { action: "mfa.enabled", actorId: user.id, target: { type: "user", id: user.id } },
      mails: [mail],
      after: [{ name: "mfa.setup_forgotten", run: () => forgetEnrolment(ctx.kv, input.challengeId) }],
    });
  } catch {
    throw new AuthError("conflict", { detail: "Two-factor authentication is already on." });
  }
  return { recoveryCodes: codes };
}

/**
 * Checks a second-factor code (TOTP or recovery code) for a login or a sensitive change. Locked second factors
 * answer like a wrong code; after a lock, Turnstile is required until a success.
 */
export async function verifySecondFactor(
  ctx: RequestContext,
  input: { user: Pick<UserRow, "id" | "email" | "name">; code: string; turnstileToken?: string | undefined },
): Promise<{ method: "totp" | "recovery_code" }> {
  const { user, code, turnstileToken } = input;
  const mfa = await findUserMfa(ctx.db, user.id);
  if (!mfa) throw invalidCode("no second factor");
  const now = ctx.now();
  if (secondFactorLocked(mfa, now)) throw invalidCode("locked");
  if (mfa.captchaRequired) {
    const captcha = await verifyTurnstile(ctx, { token: turnstileToken, action: "mfa" });
    if (!captcha.ok) throw new AuthError("captcha_required", { internal: { reason: captcha.reason } });
  }
  if (isRecoveryCodeShape(code)) {
    const normalized = normalizeRecoveryCode(code);
    const lookups = normalized
      ? await recoveryCodeLookups(ctx.config.ENCRYPTION_KEYS, { userId: user.id, code: normalized })
      : [];
    if (lookups.length > 0 && (await useRecoveryCode(ctx.db, { userId: user.id, lookups, now }))) {
      await recoveryCodeUsedMail(ctx, user);
      return { method: "recovery_code" };
    }
  } else {
    const secret = await open(mfa.secret, ctx.config.ENCRYPTION_KEYS, secretContext(user.id));
    if (!secret)
      throw new AuthError("internal_error", { internal: { reason: "TOTP secret cannot be opened" } });
    const counter = matchTotp(secret, code, now);
    if (counter !== null && (await acceptTotpCounter(ctx.db, user.id, counter))) return { method: "totp" };
  }
  await countWrongCode(ctx, user.id);
  throw invalidCode("wrong code");
}

async function recoveryCodeUsedMail(ctx: RequestContext, user: Pick<UserRow, "id" | "email" | "name">) {
  const remaining = await unusedRecoveryCodeCount(ctx.db, user.id);
  const mail = await prepareSecurityAlert(ctx, {
    user,
    event: `A recovery code was used to sign in. ${remaining} recovery code${remaining === 1 ? "" : "s"} remain${remaining === 1 ? "s" : ""}.`,
  });
  await commit(ctx, {
    audit: {
      action: "mfa.recovery_code_used",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { remaining },
    },
    mails: [mail],
  });
}

/** disable: password and a current code. */
export async function disableMfa(
  ctx: RequestContext,
  input: { userId: string; password: string; code: string },
): Promise<void> {
  const { userId } = input;
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new AuthError("unauthorized");
  // Every platform role signs in with two factors (the login's mfa_setup step): it cannot be turned off.
  if ((await platformRolesOf(ctx.db, user.id)).length > 0) {
    throw new AuthError("conflict", {
      detail:
        "Two-factor authentication is required for platform administrators and cannot be turned off. " +
        "Ask an administrator to remove your platform role first.",
    });
  }
  await verifyCurrentPassword(ctx, { user, password: input.password });
  await verifySecondFactor(ctx, { user, code: input.code });
  const mail = await prepareSecurityAlert(ctx, {
    user,
    event: "Two-factor authentication was turned off for your account.",
  });
  await commit(ctx, {
    writes: [
      deleteUserMfa(ctx.db, user.id),
      deleteRecoveryCodes(ctx.db, user.id),
      // Logins in flight passed (or skipped) a second factor that no longer exists: they start again.
      rotateSecurityStampStatement(ctx.db, user.id, newSecurityStamp(ctx.random), ctx.now()),
    ],
    audit: { action: "mfa.disabled", actorId: user.id, target: { type: "user", id: user.id } },
    mails: [mail],
  });
}

/** recovery-codes: a new set (password required); the old ones stop working. */
export async function regenerateRecoveryCodes(
  ctx: RequestContext,
  input: { userId: string; password: string },
): Promise<{ recoveryCodes: string[] }> {
  const { userId, password } = input;
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new AuthError("unauthorized");
  await verifyCurrentPassword(ctx, { user, password });
  if (!(await findUserMfa(ctx.db, user.id))) {
    throw new AuthError("conflict", { detail: "Turn on two-factor authentication first." });
  }
  const codes = generateRecoveryCodes(ctx.random);
  const now = ctx.now();
  await commit(ctx, {
    writes: await replaceRecoveryCodes(ctx, { userId: user.id, codes, now }),
    audit: {
      action: "mfa.recovery_codes_regenerated",
      actorId: user.id,
      target: { type: "user", id: user.id },
    },
  });
  return { recoveryCodes: codes };
}

/**
 * The statements that remove a user's second factor on an administrator's request (features/admin runs them in
 * its own unit of work, with its audit entry and mail): the user enrols again at their next sign-in, and the
 * security stamp changes so logins in flight, which passed or skipped the old factor, start again.
 */
export function secondFactorResetStatements(ctx: RequestContext, userId: string) {
  return [
    deleteUserMfa(ctx.db, userId),
    deleteRecoveryCodes(ctx.db, userId),
    rotateSecurityStampStatement(ctx.db, userId, newSecurityStamp(ctx.random), ctx.now()),
  ] as const;
}
