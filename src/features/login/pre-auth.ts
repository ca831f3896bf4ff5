import { signingKeys, verifyWithActiveKeys } from "../../auth/access-tokens";
import { constantTimeEqual, toHex, utf8 } from "../../crypto/encoding";
import { signJwt } from "../../crypto/jwt";
import { hashToken } from "../../crypto/tokens";
import { type Config, RISK_RULE_NAMES, type RiskRule } from "../../platform/config";
import { AuthError } from "../../platform/errors";
import type { StepName } from "./steps";

/**
 * Pre-auth tokens (`gh-preauth+jwt`, PRE_AUTH_TTL): proof that a login has passed some steps. They open nothing
 * but the next login step, and only from the device that started the login; the steps done travel signed in
 * the token, so the step machine needs no storage between steps.
 */
export interface PreAuthState {
  userId: string;
  /** SHA-256 of the device id the login started on. */
  device: string;
  rememberMe: boolean;
  done: StepName[];
  /** The open device-approval challenge, if the login is at that step. */
  challenge?: string;
  /** The suspicious-login rules that fired at the password step (the login needs `login_approval`). */
  risk?: RiskRule[];
  /** The open suspicious-login approval (its id), once the login reached that step. */
  approval?: string;
  /** The login's risk score (features/login/risk/risk.ts, 0..100): the session keeps it (sessions.risk_score). */
  riskScore?: number;
  /**
   * When the login started (epoch ms). Each step answers with a fresh 5-minute token, but a login as a whole
   * lasts at most LOGIN_MAX_STEPS × PRE_AUTH_TTL from its password step: stepping cannot keep it alive forever.
   */
  started: number;
  /**
   * A fingerprint of the user's security stamp when the token was issued: a password reset or change, 2FA
   * disabled, an admin lock change the stamp, and every login in flight answers as expired.
   */
  stamp: string;
}

/** What a pre-auth token carries of a security stamp: 64 bits of its SHA-256 (the stamp itself stays server-side). */
export async function stampFingerprint(securityStamp: string): Promise<string> {
  return (await hashToken(`stamp:${securityStamp}`)).slice(0, 16);
}

/** Throws the expired-login answer when a login in flight started under another security stamp. */
export async function assertStampCurrent(state: Pick<PreAuthState, "stamp">, securityStamp: string) {
  const expected = utf8(await stampFingerprint(securityStamp));
  const given = utf8(state.stamp);
  if (given.length !== expected.length || !constantTimeEqual(given, expected)) {
    throw expiredLogin("security stamp changed");
  }
}

/** How many pre-auth lifetimes a whole login may take (password → … → session-exchange). */
export const LOGIN_MAX_STEPS = 3;

const PRE_AUTH_AUDIENCE_SUFFIX = "#pre-auth";

export async function issuePreAuthToken(
  config: Config,
  deps: { now: () => number; random: (n: number) => Uint8Array; kv?: KVNamespace },
  state: PreAuthState,
): Promise<{ token: string; expiresIn: number; jti: string }> {
  const jti = toHex(deps.random(16));
  const token = await signJwt(
    await signingKeys({ config, kv: deps.kv, now: deps.now }),
    {
      dev: state.device,
      rm: state.rememberMe,
      done: state.done,
      st: Math.floor(state.started / 1000),
      ss: state.stamp,
      ...(state.challenge ? { ch: state.challenge } : {}),
      ...(state.risk?.length ? { rk: state.risk } : {}),
      ...(state.approval ? { ap: state.approval } : {}),
      ...(state.riskScore ? { rs: state.riskScore } : {}),
    },
    {
      type: "preAuth",
      issuer: config.PUBLIC_ORIGIN,
      audience: config.JWT_AUDIENCE + PRE_AUTH_AUDIENCE_SUFFIX,
      subject: state.userId,
      ttlSeconds: config.PRE_AUTH_TTL,
      now: deps.now(),
      jti,
    },
  );
  return { token, expiresIn: config.PRE_AUTH_TTL, jti };
}

/** The one answer of a login that can no longer finish (invalid, expired, another device, a stale stamp). */
export function expiredLogin(reason: string): AuthError {
  return new AuthError("unauthorized", {
    detail: "Your sign-in has expired. Please sign in again.",
    headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    internal: { reason },
  });
}

/**
 * Reads a pre-auth token presented from `deviceHash`. Every failure — invalid, expired, another device —
 * is the same 401, so the answer says nothing about which check failed.
 */
export async function readPreAuthToken(
  from: Config | { config: Config; kv: KVNamespace; now: () => number },
  token: string,
  deviceHash: string | null,
  now: number,
): Promise<PreAuthState & { jti: string; expiresAt: number }> {
  const src = "config" in from ? from : { config: from, now: () => now };
  const config = src.config;
  const result = await verifyWithActiveKeys(src, token, {
    type: "preAuth",
    issuer: config.PUBLIC_ORIGIN,
    audience: config.JWT_AUDIENCE + PRE_AUTH_AUDIENCE_SUFFIX,
    now,
  });
  const fail = expiredLogin;
  if (!result.ok) throw fail(result.reason);
  const c = result.claims;
  if (
    typeof c.dev !== "string" ||
    typeof c.rm !== "boolean" ||
    !Array.isArray(c.done) ||
    typeof c.ss !== "string"
  ) {
    throw fail("claims");
  }
  if (!deviceHash || c.dev !== deviceHash) throw fail("device");
  if (typeof c.st !== "number" || now > (c.st + LOGIN_MAX_STEPS * config.PRE_AUTH_TTL) * 1000) {
    throw fail("login too old");
  }
  return {
    userId: c.sub as string,
    device: c.dev,
    rememberMe: c.rm,
    done: c.done.filter((d): d is StepName => typeof d === "string"),
    started: c.st * 1000,
    stamp: c.ss,
    expiresAt: (c.exp as number) * 1000,
    ...(typeof c.ch === "string" ? { challenge: c.ch } : {}),
    ...(Array.isArray(c.rk)
      ? { risk: c.rk.filter((r): r is RiskRule => (RISK_RULE_NAMES as readonly unknown[]).includes(r)) }
      : {}),
    ...(typeof c.ap === "string" ? { approval: c.ap } : {}),
    ...(typeof c.rs === "number" && Number.isInteger(c.rs) && c.rs >= 0 && c.rs <= 100
      ? { riskScore: c.rs }
      : {}),
    jti: c.jti as string,
  };
}
