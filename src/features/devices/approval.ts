import { toHex } from "../../crypto/encoding";
import { hashToken } from "../../crypto/tokens";
import type { UserRow } from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import { type ClientInfo, locationLabel } from "../../platform/client";
import { outboxDeps, type ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import {
  consumeDeviceChallenge,
  findDeviceChallenge,
  insertDeviceChallenge,
  recordDeviceChallengeFailure,
} from "./store";

/**
 * Device approval by email OTP: a 6-digit code from the CSPRNG (uniform, no modulo bias), stored only as a
 * hash salted with its challenge id, valid 5 minutes, at most 5 attempts — then the challenge is void and the
 * login starts again.
 */
export const DEVICE_CODE_TTL_MS = 5 * 60_000;
export const DEVICE_CODE_MAX_ATTEMPTS = 5;

/** A uniform 6-digit code (rejection sampling over 20-bit draws). */
export function sixDigitCode(random: (n: number) => Uint8Array): string {
  for (;;) {
    const b = random(3);
    const n = (((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number)) & 0xfffff;
    if (n < 1_000_000) return String(n).padStart(6, "0");
  }
}

function codeHash(challengeId: string, code: string): Promise<string> {
  return hashToken(`device-code:${challengeId}:${code}`);
}

/** Creates a challenge for this login's device and mails its code; returns the challenge id. */
export async function openDeviceChallenge(
  s: ServiceDeps,
  user: Pick<UserRow, "id" | "email" | "name">,
  deviceHash: string,
  client?: ClientInfo,
): Promise<string> {
  const id = toHex(s.random(16));
  const code = sixDigitCode(s.random);
  const now = s.now();
  const location = client ? locationLabel(client) : null;
  const mail = await prepareEmail(outboxDeps(s), {
    template: "device_code",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      code,
      expiresMinutes: Math.round(DEVICE_CODE_TTL_MS / 60_000),
      ...(client ? { device: client.device } : {}),
      ...(client?.ip ? { ip: client.ip } : {}),
      ...(location ? { location } : {}),
    },
  });
  await s.db.batch([
    insertDeviceChallenge(s.db, {
      id,
      userId: user.id,
      deviceHash,
      codeHash: await codeHash(id, code),
      expiresAt: now + DEVICE_CODE_TTL_MS,
      createdAt: now,
    }),
    mail.statement,
    auditStatement(s, client ?? { ip: null, userAgent: null }, {
      action: "login.device_challenge",
      target: { type: "user", id: user.id },
    }),
  ]);
  await dispatchEmails(outboxDeps(s), [mail.message]);
  return id;
}

/** Checks a code against the login's challenge; wrong codes count, the 5th voids the challenge. */
export async function checkDeviceCode(
  s: ServiceDeps,
  challengeId: string | undefined,
  userId: string,
  deviceHash: string,
  code: string,
): Promise<void> {
  const invalid = (reason: string) => new AuthError("invalid_code", { internal: { reason } });
  if (!challengeId) throw invalid("no challenge");
  const challenge = await findDeviceChallenge(s.db, challengeId);
  const now = s.now();
  if (!challenge || challenge.userId !== userId || challenge.deviceHash !== deviceHash)
    throw invalid("unknown challenge");
  if (
    challenge.consumedAt !== null ||
    challenge.expiresAt <= now ||
    challenge.attempts >= DEVICE_CODE_MAX_ATTEMPTS
  ) {
    throw invalid("challenge void");
  }
  const normalized = code.replace(/\s+/g, "");
  if (/^\d{6}$/.test(normalized)) {
    if (
      await consumeDeviceChallenge(
        s.db,
        challengeId,
        await codeHash(challengeId, normalized),
        now,
        DEVICE_CODE_MAX_ATTEMPTS,
      )
    ) {
      return;
    }
  }
  await recordDeviceChallengeFailure(s.db, challengeId);
  throw invalid("wrong code");
}
