import { toHex } from "../../crypto/encoding";
import { hashPassword, needsRehash, verifyPassword } from "../../crypto/password";
import { normalizePassword } from "../../crypto/password-policy";
import { type BaselineRows, loginLookup } from "../../db/login-events";
import { teamsOfUser } from "../../db/teams";
import {
  findUserById,
  loginFactsQuery,
  recordLoginSuccess,
  toLoginFacts,
  type UserRow,
} from "../../db/users";
import { argon2Params, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { countMetric } from "../../platform/metrics";
import { verifyTurnstile } from "../../platform/outbound/turnstile";
import type { PreparedEmail } from "../../platform/outbox";
import { applyLimits, emailSubject, type LimitOp, throwIfLimited } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { checkLoginNetworks, recordLoginFailure, throwIfNetworkThrottled } from "../abuse/monitor";
import { trustedDevice } from "../devices/store";
import { sendVerificationMail } from "../registration/verification";
import { openLoginApproval } from "./approval";
import { countWrongPassword, isLockedOut } from "./lockout";
import { type PreAuthState, stampFingerprint } from "./pre-auth";
import { evaluateRisk, NO_RISK_SIGNALS, type RiskEvaluation, riskSettings } from "./risk/risk";
import { loginRiskSignals } from "./risk/signals";
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
  // Failed logins from the client's network, for the risk engine's network_failure_burst (same call set).
  const asnSubject = client.asn !== null ? String(client.asn) : null;
  if (asnSubject) ops.push({ rule: "login-fail:asn", subject: asnSubject, op: "peek" });
  // The networks' abuse signals (features/abuse) in the same breath: one AbuseMonitor call, in parallel.
  const [decisions, abuse] = await Promise.all([applyLimits(limits, ops), checkLoginNetworks(ctx)]);
  throwIfLimited(ops, decisions);
  throwIfNetworkThrottled(abuse);
  const networkFailures = asnSubject
    ? (decisions[ops.findIndex((o) => o.rule === "login-fail:asn")]?.count ?? 0)
    : 0;
  const failures = Math.max(decisions[1]?.count ?? 0, decisions[3]?.count ?? 0);
  // A network under a stuffing or spraying signal proves a human for every login from it.
  if (failures >= ctx.config.CAPTCHA_AFTER_FAILURES || abuse.signals.length > 0) {
    const captcha = await verifyTurnstile(ctx, { token: input.turnstileToken, action: "login" });
    if (!captcha.ok) throw new AuthError("captcha_required", { internal: { reason: captcha.reason } });
  }

  // One round trip: the account and the risk engine's baseline (read before this attempt is recorded).
  // A read path (docs/read-replicas.md): the lookup may come from a read replica; a success is confirmed below.
  const lookup = await loginLookup(ctx.db, email, ctx.now() - ctx.config.RISK_FAILURE_WINDOW * 1000);
  let user = lookup.user;
  const password = normalizePassword(input.password);
  // Always one Argon2id verification, whether or not the address exists (no timing oracle).
  const passwordOk = verifyPassword(password, user?.passwordHash ?? dummyHashFor(ctx));
  const now = ctx.now();

  const fail = async (reason: string, outcome: "failure" | "locked" = "failure", mail?: PreparedEmail) => {
    const recorded = recordLoginFailure(ctx, { email, password });
    await applyLimits(limits, [
      { rule: "login-fail:email", subject },
      { rule: "login-fail:ip", subject: ip },
      ...(asnSubject ? [{ rule: "login-fail:asn" as const, subject: asnSubject }] : []),
    ]);
    await recorded;
    if (user) {
      // A failure's risk: what is known without a device lookup (place, network, this attempt counted).
      const risk = failureRisk(ctx, lookup, networkFailures);
      await commit(ctx, {
        writes: [loginEvent(ctx, { userId: user.id, outcome, reason, risk })],
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
  const confirmed = passwordOk ? await confirmedOnPrimary(ctx, user, password) : "wrong_password";
  if (confirmed === "gone") throw invalidCredentials("unknown_email");
  if (confirmed === "disabled") throw await fail("disabled");
  if (confirmed === "locked") throw await fail("locked", "locked");
  if (confirmed === "wrong_password") {
    const wrong = await countWrongPassword(ctx, user);
    throw wrong.lockMail
      ? await fail("lockout_started", "locked", wrong.lockMail)
      : await fail("wrong_password");
  }
  user = confirmed;

  if (user.emailVerifiedAt === null) {
    await sendVerificationMail(ctx, { user, action: "user.verification_resent" });
    await commit(ctx, { audit: { action: "login.unverified", target: { type: "user", id: user.id } } });
    throw new AuthError("email_not_verified");
  }

  const rehash = needsRehash(user.passwordHash, argon2Params(ctx.config))
    ? hashPassword(password, argon2Params(ctx.config), ctx.random)
    : undefined;
  const risk = await assessRisk(ctx, { userId: user.id, deviceHash, lookup, networkFailures });
  // One round trip: the success, its records (with the risk evaluation), and the teams to choose from.
  const eventId = toHex(ctx.random(16));
  const [, , teams, facts] = await commit(ctx, {
    writes: [
      recordLoginSuccess(ctx.db, user.id, now, rehash),
      loginEvent(ctx, {
        userId: user.id,
        outcome: "success",
        reason: rehash ? "password_rehashed" : null,
        id: eventId,
        risk,
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
  const state: PreAuthState = {
    userId: user.id,
    device: deviceHash,
    rememberMe: input.rememberMe ?? false,
    done: [],
    started: now,
    stamp: await stampFingerprint(user.securityStamp),
    ...(risk.score > 0 ? { riskScore: risk.score } : {}),
  };
  countRisk(ctx, risk);
  if (risk.score >= ctx.config.RISK_APPROVAL_SCORE && risk.reasons.length > 0) {
    await openLoginApproval(ctx, { user, eventId, risk, deviceHash });
    state.risk = risk.reasons;
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

/**
 * The stale-replica rule of the login (docs/read-replicas.md): a password step's lookup may be served by a read
 * replica that lags the primary, so a success decided on that row is confirmed on the primary before the login
 * goes on — an account locked, disabled or given a new password in the lag window must not pass (and a login
 * must not reset the primary's lockout counters on the strength of an old row). The confirmation is one primary
 * read, paid only by successful logins whose lookup could have been stale; a hash changed meanwhile is verified
 * again. Failures need none: a wrong password is counted by a conditional write on the primary (lockout.ts), and
 * the rate-limit counters live in a Durable Object, never on a replica.
 */
async function confirmedOnPrimary(
  ctx: RequestContext,
  user: UserRow,
  password: string,
): Promise<UserRow | "gone" | "disabled" | "locked" | "wrong_password"> {
  if (!ctx.d1?.mayBeStale) return user;
  ctx.d1.usePrimary();
  const fresh = await findUserById(ctx.db, user.id);
  if (!fresh) return "gone";
  if (fresh.disabledAt !== null) return "disabled";
  if (isLockedOut(fresh, ctx.now())) return "locked";
  if (fresh.passwordHash !== user.passwordHash && !verifyPassword(password, fresh.passwordHash)) {
    return "wrong_password";
  }
  return fresh;
}

/**
 * The risk engine (risk.ts) on the baseline read with the account (loginLookup). The trusted-device record (one
 * KV read) is looked up only when it can count: `new_device` on, with a weight, for an account with history.
 */
async function assessRisk(
  ctx: RequestContext,
  input: { userId: string; deviceHash: string; lookup: BaselineRows; networkFailures: number },
): Promise<RiskEvaluation> {
  const { userId, deviceHash, lookup } = input;
  const settings = riskSettings(ctx.config);
  const deviceCounts =
    lookup.successes.length > 0 && settings.enabled.has("new_device") && settings.weights.new_device > 0;
  const newDevice = deviceCounts && !(await trustedDevice(ctx.kv, userId, deviceHash));
  const signals = loginRiskSignals({
    now: ctx.now(),
    client: ctx.client,
    successes: lookup.successes,
    failures: lookup.failures,
    networkFailures: input.networkFailures,
    newDevice,
  });
  return evaluateRisk(signals, settings);
}

/** The risk metrics of a login that passed its password: each reason, and the threshold it reached. */
function countRisk(ctx: RequestContext, risk: RiskEvaluation): void {
  for (const reason of risk.reasons) countMetric("gatehouse_login_risk_reasons_total", { reason });
  if (risk.score >= ctx.config.RISK_APPROVAL_SCORE) {
    countMetric("gatehouse_risky_logins_total", { level: "approval" });
  } else if (risk.score >= ctx.config.RISK_STEP_UP_SCORE) {
    countMetric("gatehouse_risky_logins_total", { level: "step_up" });
  }
}

/**
 * A failed attempt's risk, cheaply: the place and network of the client and the failure counts including this
 * one; no device lookup and no baseline comparison (a failure is not a login to compare against the habits of).
 */
function failureRisk(ctx: RequestContext, lookup: BaselineRows, networkFailures: number): RiskEvaluation {
  const last = lookup.successes[0];
  const accountFailures = lookup.failures.filter((f) => !last || f.at > last.at).length + 1;
  return evaluateRisk(
    {
      ...NO_RISK_SIGNALS,
      country: ctx.client.country,
      asn: ctx.client.asn,
      accountFailures,
      networkFailures: ctx.client.asn !== null ? networkFailures + 1 : 0,
    },
    riskSettings(ctx.config),
  );
}
