import { generateRandomIntegerNumber } from "@oslojs/crypto/random";
import { toHex } from "../../crypto/encoding";
import { hashToken } from "../../crypto/tokens";
import type { UserRow } from "../../db/users";
import { locationLabel } from "../../platform/client";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
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
const DEVICE_CODE_MAX_ATTEMPTS = 5;

/** A uniform 6-digit code from the injected CSPRNG (@oslojs/crypto's rejection sampling, no modulo bias). */
function sixDigitCode(random: (n: number) => Uint8Array): string {
  const reader = { read: (bytes: Uint8Array) => bytes.set(random(bytes.length)) };
  return String(generateRandomIntegerNumber(reader, 1_000_000)).padStart(6, "0");
}

function codeHash(challengeId: string, code: string): Promise<string> {
  return hashToken(`device-code:${challengeId}:${code}`);
}

/** Creates a challenge for this login's device and mails its code; returns the challenge id. */
export async function openDeviceChallenge(
  ctx: RequestContext,
  input: { user: Pick<UserRow, "id" | "email" | "name">; deviceHash: string },
): Promise<string> {
  const { user, deviceHash } = input;
  const client = ctx.client;
  const id = toHex(ctx.random(16));
  const code = sixDigitCode(ctx.random);
  const now = ctx.now();
  const location = locationLabel(client);
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "device_code",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      code,
      expiresMinutes: Math.round(DEVICE_CODE_TTL_MS / 60_000),
      device: client.device,
      ...(client.ip ? { ip: client.ip } : {}),
      ...(location ? { location } : {}),
    },
  });
  await commit(ctx, {
    writes: [
      insertDeviceChallenge(ctx.db, {
        id,
        userId: user.id,
        deviceHash,
        codeHash: await codeHash(id, code),
        expiresAt: now + DEVICE_CODE_TTL_MS,
        createdAt: now,
      }),
    ],
    audit: { action: "login.device_challenge", target: { type: "user", id: user.id } },
    mails: [mail],
  });
  return id;
}

/** Checks a code against the login's challenge; wrong codes count, the 5th voids the challenge. */
export async function checkDeviceCode(
  ctx: RequestContext,
  input: { challengeId: string | undefined; userId: string; deviceHash: string; code: string },
): Promise<void> {
  const { challengeId, userId, deviceHash, code } = input;
  const invalid = (reason: string) => new AuthError("invalid_code", { internal: { reason } });
  if (!challengeId) throw invalid("no challenge");
  const challenge = await findDeviceChallenge(ctx.db, challengeId);
  const now = ctx.now();
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
    const hash = await codeHash(challengeId, normalized);
    if (
      await consumeDeviceChallenge(ctx.db, {
        challengeId,
        codeHash: hash,
        now,
        maxAttempts: DEVICE_CODE_MAX_ATTEMPTS,
      })
    ) {
      return;
    }
  }
  await recordDeviceChallengeFailure(ctx.db, challengeId);
  throw invalid("wrong code");
}
