import { toHex } from "../../crypto/encoding";
import { hashPassword, needsRehash, verifyPassword } from "../../crypto/password";
import { normalizePassword } from "../../crypto/password-policy";
import { recentFailuresQuery, recentSuccessesQuery } from "../../db/login-events";
import { teamsOfUser } from "../../db/teams";
import { findUserByEmail, loginFactsQuery, recordLoginSuccess, toLoginFacts } from "../../db/users";
import type { RiskRule } from "../../platform/config";
import { argon2Params, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import type { PreparedEmail } from "../../platform/outbox";
import { applyLimits, emailSubject, type LimitOp, throwIfLimited } from "../../platform/rate-limits";
import { verifyTurnstile } from "../../platform/turnstile";
import { commit } from "../../platform/unit-of-work";
import { checkLoginNetworks, recordLoginFailure, throwIfNetworkThrottled } from "../abuse/monitor";
import { trustedDevice } from "../devices/store";
import { sendVerificationMail } from "../registration/verification";
import { openLoginApproval } from "./approval";
import { countWrongPassword, isLockedOut } from "./lockout";
import { type PreAuthState, stampFingerprint } from "./pre-auth";
import { assessLoginRisk, type RiskFacts } from "./risk";
import { type StepAnswer, stepAnswer } from "./step-machine";
import { loginEvent } from "./store";

export interface LoginInput {
  email: string;
  password: string;
  rememberMe?: boolean;
  turnstileToken?: string;
}

/** Answers every failed login alike: unknown address, wrong password, locked or disabled account. */
function invalidCredentials(reason: string): AuthError {
  return new AuthError("invalid_credentials", { internal: { reason } });
}

let dummyHash: { params: string; hash: string } | undefined;

/** A hash to verify against when the address is unknown, so the answer takes as long as for a real account. */
function dummyHashFor(ctx: RequestContext): string {
  const params = argon2Params(ctx.config);
  const key = JSON.stringify(params);
  if (dummyHash?.params !== key) {
    dummyHash = { params: key, hash: hashPassword(toHex(ctx.random(16)), params, ctx.random) };
  }
  return dummyHash.hash;
}

/**
 * POST /auth/login: the password step. Rate-limited per IP and per IP+address; after 3 failures for the
 * address or the IP a Turnstile token is required (counted for unknown addresses too, so the requirement
 * reveals nothing); consecutive failures lock the account (lockout.ts).
 */
export async function passwordLogin(
  ctx: RequestContext,
  input: LoginInput & { deviceHash: string },
): Promise<StepAnswer> {
  const { deviceHash } = input;
  const client = ctx.client;
  const email = normalizeEmail(input.email);
  const subject = await emailSubject(email);
  const ip = client.ip ?? "unknown";
  const limits = rateLimitDeps(ctx);
  // One Durable Object call per subject: the IP's counters and the address's counters.
  const ops: LimitOp[] = [
    { rule: "login:ip", subject: ip },
    { rule: "login-fail:ip", subject: ip, op: "peek" },
    { rule: "login:ip-email", subject, qualifier: ip },
    { rule: "login-fail:email", subject, op: "peek" },
  ];
  // The networks' abuse signals (features/abuse) in the same breath: one AbuseMonitor call, in parallel.
  const [decisions, abuse] = await Promise.all([applyLimits(limits, ops), checkLoginNetworks(ctx)]);
  throwIfLimited(ops, decisions);
  throwIfNetworkThrottled(abuse);
  const failures = Math.max(decisions[1]?.count ?? 0, decisions[3]?.count ?? 0);
  // A network under a stuffing or spraying signal proves a human for every login from it.
  if (failures >= ctx.config.CAPTCHA_AFTER_FAILURES || abuse.signals.length > 0) {
    const captcha = await verifyTurnstile(ctx, { token: input.turnstileToken, action: "login" });
    if (!captcha.ok) throw new AuthError("captcha_required", { internal: { reason: captcha.reason } });
  }

  const user = await findUserByEmail(ctx.db, email);
  const password = normalizePassword(input.password);
  // Always one Argon2id verification, whether or not the address exists (no timing oracle).
  const passwordOk = verifyPassword(password, user?.passwordHash ?? dummyHashFor(ctx));
  const now = ctx.now();

  const fail = async (reason: string, outcome: "failure" | "locked" = "failure", mail?: PreparedEmail) => {
    const recorded = recordLoginFailure(ctx, { email, password });
    await applyLimits(limits, [
      { rule: "login-fail:email", subject },
      { rule: "login-fail:ip", subject: ip },
    ]);
    await recorded;
    if (user) {
      await commit(ctx, {
        writes: [loginEvent(ctx, { userId: user.id, outcome, reason })],
        audit: {
          action: outcome === "locked" && reason === "lockout_started" ? "login.locked" : "login.failed",
          target: { type: "user", id: user.id },
          metadata: { reason },
        },
        mails: [mail],
      });
    }
    return invalidCredentials(reason);
  };

  if (!user) throw await fail("unknown_email");
  if (user.disabledAt !== null) throw await fail("disabled");
  if (isLockedOut(user, now)) throw await fail("locked", "locked");
  if (!passwordOk) {
    const wrong = await countWrongPassword(ctx, user);
    throw wrong.lockMail
      ? await fail("lockout_started", "locked", wrong.lockMail)
      : await fail("wrong_password");
  }

  if (user.emailVerifiedAt === null) {
    await sendVerificationMail(ctx, { user, action: "user.verification_resent" });
    await commit(ctx, { audit: { action: "login.unverified", target: { type: "user", id: user.id } } });
    throw new AuthError("email_not_verified");
  }

  const rehash = needsRehash(user.passwordHash, argon2Params(ctx.config))
    ? hashPassword(password, argon2Params(ctx.config), ctx.random)
    : undefined;
  // One round trip: the risk check's baseline (read before this login is recorded), the success, its
  // records, and the teams to choose from.
  const eventId = toHex(ctx.random(16));
  const [successes, recentFailures, , , teams, facts] = await commit(ctx, {
    writes: [
      recentSuccessesQuery(ctx.db, user.id),
      recentFailuresQuery(ctx.db, user.id, now - ctx.config.RISK_FAILURE_WINDOW * 1000),
      recordLoginSuccess(ctx.db, user.id, now, rehash),
      loginEvent(ctx, {
        userId: user.id,
        outcome: "success",
        reason: rehash ? "password_rehashed" : null,
        id: eventId,
      }),
      teamsOfUser(ctx.db, user.id),
      loginFactsQuery(ctx.db, user.id),
    ],
    audit: {
      action: "login.succeeded",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { rehashed: Boolean(rehash) },
    },
  });
  if ((decisions[3]?.count ?? 0) > 0) {
    await applyLimits(limits, [{ rule: "login-fail:email", subject, op: "reset" }]);
  }
  const risk = await assessRisk(ctx, { userId: user.id, deviceHash, successes, failures: recentFailures });
  const state: PreAuthState = {
    userId: user.id,
    device: deviceHash,
    rememberMe: input.rememberMe ?? false,
    done: [],
    started: now,
    stamp: await stampFingerprint(user.securityStamp),
  };
  if (risk.length > 0) {
    await openLoginApproval(ctx, { user, eventId, rules: risk, deviceHash });
    state.risk = risk;
    state.approval = eventId;
  }
  return stepAnswer(
    {
      ctx,
      user: { ...user, ...(rehash ? { passwordHash: rehash } : {}) },
      state,
      facts: Promise.resolve(toLoginFacts(facts)),
    },
    teams,
  );
}

/** The suspicious-login check on the baseline read with the login's records (risk.ts). */
async function assessRisk(
  ctx: RequestContext,
  input: {
    userId: string;
    deviceHash: string;
    successes: Awaited<ReturnType<typeof recentSuccessesQuery>>;
    failures: Awaited<ReturnType<typeof recentFailuresQuery>>;
  },
): Promise<RiskRule[]> {
  const { userId, deviceHash, successes, failures } = input;
  const client = ctx.client;
  if (ctx.config.RISK_RULES.length === 0) return [];
  const last = successes[0] ?? null;
  const facts: RiskFacts = {
    lastSuccess: last,
    knownCountries: [...new Set(successes.flatMap((e) => (e.country ? [e.country] : [])))],
    knownAsns: [...new Set(successes.flatMap((e) => (e.asn !== null ? [e.asn] : [])))],
    recentFailures: failures.filter((f) => last === null || f.at > last.at).length,
  };
  const place = {
    country: client.country,
    asn: client.asn,
    latitude: client.latitude,
    longitude: client.longitude,
  };
  const settings = {
    rules: ctx.config.RISK_RULES,
    travelKmh: ctx.config.RISK_TRAVEL_KMH,
    failureBurst: ctx.config.RISK_FAILURE_BURST,
  };
  const rules = assessLoginRisk(facts, { now: ctx.now(), place, newDevice: false }, settings);
  // "New network on a new device" needs the trusted-device record: one KV read, only when the network is new.
  const asnIsNew = place.asn !== null && facts.knownAsns.length > 0 && !facts.knownAsns.includes(place.asn);
  if (asnIsNew && settings.rules.includes("new_asn_device") && last !== null) {
    const newDevice = !(await trustedDevice(ctx.kv, userId, deviceHash));
    if (newDevice) return assessLoginRisk(facts, { now: ctx.now(), place, newDevice }, settings);
  }
  return rules;
}
