import { toHex } from "../../crypto/encoding";
import { hashPassword, needsRehash, verifyPassword } from "../../crypto/password";
import { normalizePassword } from "../../crypto/password-policy";
import {
  insertLoginEvent,
  type LoginOutcome,
  recentFailuresQuery,
  recentSuccessesQuery,
} from "../../db/login-events";
import { teamsOfUser } from "../../db/teams";
import {
  findUserByEmail,
  findUserById,
  loginFactsQuery,
  recordLoginFailure,
  recordLoginSuccess,
  toLoginFacts,
} from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import type { RiskRule } from "../../platform/config";
import { argon2Params, outboxDeps, rateLimitDeps, type ServiceDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { applyLimits, emailSubject, type LimitOp, throwIfLimited } from "../../platform/rate-limits";
import { verifyTurnstile } from "../../platform/turnstile";
import { trustedDevice } from "../devices/trusted";
import { sendVerificationMail } from "../registration/verification";
import { openLoginApproval } from "./approval";
import { type PreAuthState, readPreAuthToken } from "./pre-auth";
import { assessLoginRisk, type RiskFacts } from "./risk";
import { currentStep, type StepAnswer, type StepContext, stepAnswer } from "./step-machine";

/** Exact copy of ../shared/API.md. */
export const INVALID_CREDENTIALS = "Email or password is incorrect.";
export const EMAIL_NOT_VERIFIED = "You must confirm your registration first. We've sent you an email.";

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
function dummyHashFor(s: ServiceDeps): string {
  const params = argon2Params(s.config);
  const key = JSON.stringify(params);
  if (dummyHash?.params !== key) {
    dummyHash = { params: key, hash: hashPassword(toHex(s.random(16)), params, s.random) };
  }
  return dummyHash.hash;
}

/**
 * POST /auth/login: the password step. Rate-limited per IP and per IP+address; after 3 failures for the
 * address or the IP a Turnstile token is required (counted for unknown addresses too, so the requirement
 * reveals nothing); 5 consecutive failures lock the account for 5 minutes, during which every attempt —
 * even with the right password — gets the same 401.
 */
export async function passwordLogin(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string,
  input: LoginInput,
): Promise<StepAnswer> {
  const email = normalizeEmail(input.email);
  const subject = await emailSubject(email);
  const ip = client.ip ?? "unknown";
  const limits = rateLimitDeps(s);
  // One Durable Object call per subject: the IP's counters and the address's counters.
  const ops: LimitOp[] = [
    { rule: "login:ip", subject: ip },
    { rule: "login-fail:ip", subject: ip, op: "peek" },
    { rule: "login:ip-email", subject, qualifier: ip },
    { rule: "login-fail:email", subject, op: "peek" },
  ];
  const decisions = await applyLimits(limits, ops);
  throwIfLimited(ops, decisions);
  const failures = Math.max(decisions[1]?.count ?? 0, decisions[3]?.count ?? 0);
  if (failures >= s.config.CAPTCHA_AFTER_FAILURES) {
    const captcha = await verifyTurnstile(
      { fetch: s.fetch, secret: s.config.TURNSTILE_SECRET_KEY, verifyUrl: s.config.TURNSTILE_VERIFY_URL },
      input.turnstileToken,
      client.ip,
    );
    if (!captcha.ok) throw new AuthError("captcha_required", { internal: { reason: captcha.reason } });
  }

  const user = await findUserByEmail(s.db, email);
  const password = normalizePassword(input.password);
  // Always one Argon2id verification, whether or not the address exists (no timing oracle).
  const passwordOk = verifyPassword(password, user?.passwordHash ?? dummyHashFor(s));
  const now = s.now();

  const fail = async (
    reason: string,
    outcome: LoginOutcome = "failure",
    extra: Parameters<typeof s.db.batch>[0][number][] = [],
  ) => {
    await applyLimits(limits, [
      { rule: "login-fail:email", subject },
      { rule: "login-fail:ip", subject: ip },
    ]);
    if (user) {
      await s.db.batch([
        loginEvent(s, user.id, client, outcome, reason),
        auditStatement(s, client, {
          action: outcome === "locked" && reason === "lockout_started" ? "login.locked" : "login.failed",
          target: { type: "user", id: user.id },
          metadata: { reason },
        }),
        ...extra,
      ]);
    }
    return invalidCredentials(reason);
  };

  if (!user) throw await fail("unknown_email");
  if (user.disabledAt !== null) throw await fail("disabled");
  if (user.lockedUntil !== null && user.lockedUntil > now) throw await fail("locked", "locked");
  if (!passwordOk) {
    const lockUntil = now + s.config.LOCKOUT_SECONDS * 1000;
    const after = await recordLoginFailure(s.db, user.id, now, s.config.LOCKOUT_THRESHOLD, lockUntil);
    const startedLock =
      after?.lockedUntil === lockUntil && after.failedLoginCount === s.config.LOCKOUT_THRESHOLD;
    if (startedLock) {
      const mail = await prepareEmail(outboxDeps(s), {
        template: "lockout",
        to: user.email,
        data: {
          ...(user.name ? { name: user.name } : {}),
          minutes: Math.round(s.config.LOCKOUT_SECONDS / 60),
          resetUrl: `${s.config.PUBLIC_ORIGIN}/forgot-password`,
        },
      });
      const error = await fail("lockout_started", "locked", [mail.statement]);
      await dispatchEmails(outboxDeps(s), [mail.message]);
      throw error;
    }
    throw await fail("wrong_password");
  }

  if (user.emailVerifiedAt === null) {
    await sendVerificationMail(s, client, user, "user.verification_resent");
    await s.db.batch([
      auditStatement(s, client, { action: "login.unverified", target: { type: "user", id: user.id } }),
    ]);
    throw new AuthError("email_not_verified");
  }

  const rehash = needsRehash(user.passwordHash, argon2Params(s.config))
    ? hashPassword(password, argon2Params(s.config), s.random)
    : undefined;
  // One round trip: the risk check's baseline (read before this login is recorded), the success, its
  // records, and the teams to choose from.
  const eventId = toHex(s.random(16));
  const [successes, recentFailures, , , , teams, facts] = await s.db.batch([
    recentSuccessesQuery(s.db, user.id),
    recentFailuresQuery(s.db, user.id, now - s.config.RISK_FAILURE_WINDOW * 1000),
    recordLoginSuccess(s.db, user.id, now, rehash),
    loginEvent(s, user.id, client, "success", rehash ? "password_rehashed" : null, eventId),
    auditStatement(s, client, {
      action: "login.succeeded",
      actorId: user.id,
      target: { type: "user", id: user.id },
      metadata: { rehashed: Boolean(rehash) },
    }),
    teamsOfUser(s.db, user.id),
    loginFactsQuery(s.db, user.id),
  ]);
  if ((decisions[3]?.count ?? 0) > 0) {
    await applyLimits(limits, [{ rule: "login-fail:email", subject, op: "reset" }]);
  }
  const risk = await assessRisk(s, user.id, deviceHash, client, successes, recentFailures);
  const state: PreAuthState = {
    userId: user.id,
    device: deviceHash,
    rememberMe: input.rememberMe ?? false,
    done: [],
    started: now,
  };
  if (risk.length > 0) {
    await openLoginApproval(s, user, client, { eventId, rules: risk, deviceHash });
    state.risk = risk;
    state.approval = eventId;
  }
  return stepAnswer(
    {
      s,
      client,
      user: { ...user, ...(rehash ? { passwordHash: rehash } : {}) },
      state,
      facts: Promise.resolve(toLoginFacts(facts)),
    },
    teams,
  );
}

/** The suspicious-login check on the baseline read with the login's records (services/login-risk.ts). */
async function assessRisk(
  s: ServiceDeps,
  userId: string,
  deviceHash: string,
  client: ClientInfo,
  successes: Awaited<ReturnType<typeof recentSuccessesQuery>>,
  failures: Awaited<ReturnType<typeof recentFailuresQuery>>,
): Promise<RiskRule[]> {
  if (s.config.RISK_RULES.length === 0) return [];
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
    rules: s.config.RISK_RULES,
    travelKmh: s.config.RISK_TRAVEL_KMH,
    failureBurst: s.config.RISK_FAILURE_BURST,
  };
  const rules = assessLoginRisk(facts, { now: s.now(), place, newDevice: false }, settings);
  // "New network on a new device" needs the trusted-device record: one KV read, only when the network is new.
  const asnIsNew = place.asn !== null && facts.knownAsns.length > 0 && !facts.knownAsns.includes(place.asn);
  if (asnIsNew && settings.rules.includes("new_asn_device") && last !== null) {
    const newDevice = !(await trustedDevice(s.env.KV, userId, deviceHash));
    if (newDevice) return assessLoginRisk(facts, { now: s.now(), place, newDevice }, settings);
  }
  return rules;
}

export function loginEvent(
  s: ServiceDeps,
  userId: string,
  client: ClientInfo,
  outcome: LoginOutcome,
  reason: string | null,
  id = toHex(s.random(16)),
) {
  return insertLoginEvent(s.db, {
    id,
    userId,
    at: s.now(),
    outcome,
    reason,
    ip: client.ip,
    country: client.country,
    city: client.city,
    asn: client.asn,
    latitude: client.latitude,
    longitude: client.longitude,
    device: client.device,
  });
}

/** Loads the user and state behind a pre-auth token and checks that `step` is the login's current step. */
export async function loadLoginStep(s: ServiceDeps, token: string, deviceHash: string | null, step?: string) {
  const state = await readPreAuthToken(s.config, token, deviceHash, s.now());
  const user = await findUserById(s.db, state.userId);
  if (!user || user.disabledAt !== null) {
    throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
  }
  // `facts` is filled by the requirements that need them (read once), and handed on to the caller.
  const ctx: StepContext & { state: typeof state } = { s, user, state };
  const current = await currentStep(ctx);
  if (step !== undefined && current !== step) {
    throw new AuthError("step_required", {
      detail: `Complete the "${current}" step first.`,
      extra: { step: current },
    });
  }
  return { ...ctx, jti: state.jti, expiresAt: state.expiresAt, current };
}
