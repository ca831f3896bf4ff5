import type { CounterOp, RateLimitDecision, RateLimiter } from "../../durable-objects/rate-limiter";
import { hashToken } from "../crypto/tokens";
import { AuthError } from "./errors";
import { ipRateKey } from "./ip-rate-key";

/**
 * Named rate limits (../shared/API.md "Rate limits"). Each rule counts per subject of its scope (an IP, an
 * address hash, a user id); all the counters of one subject live in one RateLimiter Durable Object, so a request
 * touching several rules for the same subject pays one call. "Per IP" is the address for IPv4 and the /64 for
 * IPv6 (ip-rate-key.ts): applyLimits keys every `ip` subject, and every qualifier a rule marks `ip`, that way.
 */
export const RATE_LIMITS = {
  "register:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "register:email": { scope: "email", limit: 5, windowSeconds: 3600 },
  "resend:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "resend:email": { scope: "email", limit: 5, windowSeconds: 3600 },
  /** Verification mails actually sent per address and day (beyond this, resends are silently dropped). */
  "verify-mail:email": { scope: "email", limit: 3, windowSeconds: 86400 },
  "verify:ip": { scope: "ip", limit: 60, windowSeconds: 3600 },
  "login:ip": { scope: "ip", limit: 100, windowSeconds: 60 },
  /** Per IP and address: counted in the address's object, qualified by the IP. */
  "login:ip-email": { scope: "email", qualifier: "ip", limit: 10, windowSeconds: 60 },
  /** Failed logins that switch on the adaptive CAPTCHA (counted for unknown addresses too). */
  "login-fail:email": { scope: "email", limit: Number.MAX_SAFE_INTEGER, windowSeconds: 3600 },
  "login-fail:ip": { scope: "ip", limit: Number.MAX_SAFE_INTEGER, windowSeconds: 3600 },
  "forgot:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "forgot:email": { scope: "email", limit: 5, windowSeconds: 3600 },
  "reset:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "change-password:user": { scope: "user", limit: 10, windowSeconds: 3600 },
  /** Login step endpoints (password change now; device, approval and MFA codes later). */
  "login-step:ip": { scope: "ip", limit: 30, windowSeconds: 60 },
  /** Second-factor codes per user (on top of the 5-wrong-codes lock). */
  "mfa:user": { scope: "user", limit: 20, windowSeconds: 60 },
  "device-code:user": { scope: "user", limit: 20, windowSeconds: 60 },
  /** Invitation mails per inviter (a member, or an API key's creator): an invite is a mail to a stranger. */
  "invite:user": { scope: "user", limit: 50, windowSeconds: 3600 },
} as const satisfies Record<string, RateLimitRule>;

interface RateLimitRule {
  scope: "ip" | "email" | "user";
  /** What the qualifier of an op names, when it is an IP (keyed like an `ip` subject). */
  qualifier?: "ip";
  limit: number;
  windowSeconds: number;
}

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimitDeps {
  limiter: DurableObjectNamespace<RateLimiter>;
  now: () => number;
}

export interface LimitOp {
  rule: RateLimitName;
  /** The IP, address hash or user id the rule's scope names. */
  subject: string;
  /** Narrows the counter within the subject (e.g. the IP for "login:ip-email"). */
  qualifier?: string;
  op?: CounterOp["op"];
}

/** Applies the operations, one Durable Object call per subject, in parallel; decisions in input order. */
export async function applyLimits(
  deps: RateLimitDeps,
  ops: readonly LimitOp[],
): Promise<RateLimitDecision[]> {
  const groups = new Map<string, { index: number; op: CounterOp }[]>();
  ops.forEach((o, index) => {
    const rule: RateLimitRule = RATE_LIMITS[o.rule];
    const key = `${rule.scope}:${rule.scope === "ip" ? ipRateKey(o.subject) : o.subject}`;
    const qualifier = o.qualifier && rule.qualifier === "ip" ? ipRateKey(o.qualifier) : o.qualifier;
    const counter = qualifier ? `${o.rule}:${qualifier}` : o.rule;
    const list = groups.get(key) ?? [];
    list.push({
      index,
      op: { counter, op: o.op ?? "hit", limit: rule.limit, windowSeconds: rule.windowSeconds },
    });
    groups.set(key, list);
  });
  const decisions: RateLimitDecision[] = new Array(ops.length);
  const now = deps.now();
  await Promise.all(
    [...groups].map(async ([key, list]) => {
      const limiter = deps.limiter.get(deps.limiter.idFromName(key));
      const results = await limiter.apply(
        list.map((l) => l.op),
        now,
      );
      list.forEach((l, i) => {
        decisions[l.index] = results[i] as RateLimitDecision;
      });
    }),
  );
  return decisions;
}

/** Throws 429 `rate_limited` with `Retry-After` when any hit among the decisions was refused. */
export function throwIfLimited(ops: readonly LimitOp[], decisions: readonly RateLimitDecision[]): void {
  const refused = decisions.filter((d, i) => (ops[i]?.op ?? "hit") === "hit" && !d.allowed);
  if (refused.length === 0) return;
  throw new AuthError("rate_limited", {
    headers: { "Retry-After": String(Math.max(...refused.map((d) => d.retryAfter))) },
    internal: { limits: ops.filter((_, i) => !decisions[i]?.allowed).map((o) => o.rule) },
  });
}

/** Hits every rule and throws 429 if any refuses. */
export async function enforceRateLimits(
  deps: RateLimitDeps,
  checks: readonly (readonly [RateLimitName, string])[],
): Promise<void> {
  const ops = checks.map(([rule, subject]) => ({ rule, subject }));
  throwIfLimited(ops, await applyLimits(deps, ops));
}

export async function hitRateLimit(
  deps: RateLimitDeps,
  rule: RateLimitName,
  subject: string,
): Promise<RateLimitDecision> {
  const [decision] = await applyLimits(deps, [{ rule, subject }]);
  return decision as RateLimitDecision;
}

/** Rate-limit and Durable Object keys never carry an address in clear. */
export function emailSubject(email: string): Promise<string> {
  return hashToken(`email:${email}`);
}
