import type { RateLimitDecision } from "../../durable-objects/rate-limiter";
import { AuthError } from "../errors";

/**
 * Named rate limits (../shared/API.md "Rate limits"). Each key is counted in its own RateLimiter Durable
 * Object, so the count is strongly consistent across every isolate and location.
 */
export const RATE_LIMITS = {
  "register:ip": { limit: 20, windowSeconds: 3600 },
  "register:email": { limit: 5, windowSeconds: 3600 },
  "resend:ip": { limit: 20, windowSeconds: 3600 },
  "resend:email": { limit: 5, windowSeconds: 3600 },
  /** Verification mails actually sent per address and day (beyond this, resends are silently dropped). */
  "verify-mail:email": { limit: 3, windowSeconds: 86400 },
  "verify:ip": { limit: 60, windowSeconds: 3600 },
  "login:ip": { limit: 100, windowSeconds: 60 },
  "login:ip-email": { limit: 10, windowSeconds: 60 },
  /** Failed logins that switch on the adaptive CAPTCHA (counted for unknown addresses too). */
  "login-fail:email": { limit: 1_000_000, windowSeconds: 3600 },
  "login-fail:ip": { limit: 1_000_000, windowSeconds: 3600 },
  "forgot:ip": { limit: 20, windowSeconds: 3600 },
  "forgot:email": { limit: 5, windowSeconds: 3600 },
  "reset:ip": { limit: 20, windowSeconds: 3600 },
  "step:ip": { limit: 60, windowSeconds: 60 },
  "change-password:user": { limit: 10, windowSeconds: 3600 },
  "refresh:session": { limit: 60, windowSeconds: 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimitDeps {
  limiter: DurableObjectNamespace<import("../../durable-objects/rate-limiter").RateLimiter>;
  now: () => number;
}

export async function hitRateLimit(
  deps: RateLimitDeps,
  name: RateLimitName,
  subject: string,
): Promise<RateLimitDecision> {
  const { limit, windowSeconds } = RATE_LIMITS[name];
  const stub = deps.limiter.get(deps.limiter.idFromName(`${name}:${subject}`));
  return stub.hit(limit, windowSeconds, deps.now());
}

/** Reads a counter without counting (e.g. failures so far). */
export async function peekRateLimit(
  deps: RateLimitDeps,
  name: RateLimitName,
  subject: string,
): Promise<number> {
  const stub = deps.limiter.get(deps.limiter.idFromName(`${name}:${subject}`));
  return stub.peek(RATE_LIMITS[name].windowSeconds, deps.now());
}

export async function resetRateLimit(
  deps: RateLimitDeps,
  name: RateLimitName,
  subject: string,
): Promise<void> {
  await deps.limiter.get(deps.limiter.idFromName(`${name}:${subject}`)).reset();
}

/** Hits every named limit and throws 429 `rate_limited` with `Retry-After` if any refuses. */
export async function enforceRateLimits(
  deps: RateLimitDeps,
  checks: readonly (readonly [RateLimitName, string])[],
): Promise<void> {
  const decisions = await Promise.all(checks.map(([name, subject]) => hitRateLimit(deps, name, subject)));
  const refused = decisions.filter((d) => !d.allowed);
  if (refused.length > 0) {
    const retryAfter = Math.max(...refused.map((d) => d.retryAfter));
    throw new AuthError("rate_limited", {
      headers: { "Retry-After": String(retryAfter) },
      internal: { limits: checks.filter((_, i) => !decisions[i]?.allowed).map(([n]) => n) },
    });
  }
}
