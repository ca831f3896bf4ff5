import { encodeHexUpperCase } from "@oslojs/encoding";
import { utf8 } from "../../crypto/encoding";
import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import { callDependency, DependencyUnavailable } from "../../platform/outbound/breaker";
import { DEPENDENCY_POLICIES } from "../../platform/outbound/policies";

/**
 * Have I Been Pwned "Pwned Passwords" range API (k-anonymity): only the first 5 hex characters of the
 * password's SHA-1 leave the service, and padding is requested so the answer's size says nothing either.
 * Fails open (platform/outbound/policies.ts): when HIBP cannot be reached — unreachable, timed out (2 s), a 5xx or
 * 429, or its circuit breaker open (then at once, without a call) — the password is accepted, a warning logged and
 * the call counted (`gatehouse_dependency_calls_total{dependency="hibp"}`). NIST 800-63B makes the check a SHOULD;
 * an outage of a third party must not stop registrations.
 */
export type BreachCheckContext = Pick<RequestContext, "fetch" | "config" | "env" | "now" | "waitUntil">;

export type BreachCheckResult = { checked: true; breached: boolean; count: number } | { checked: false };

export async function sha1Hex(password: string): Promise<string> {
  return encodeHexUpperCase(new Uint8Array(await crypto.subtle.digest("SHA-1", utf8(password))));
}

export async function checkBreachedPassword(
  ctx: BreachCheckContext,
  password: string,
): Promise<BreachCheckResult> {
  const digest = await sha1Hex(password);
  const prefix = digest.slice(0, 5);
  const suffix = digest.slice(5);
  const url = `${ctx.config.HIBP_API_URL.replace(/\/$/, "")}/range/${prefix}`;
  let answer: { status: number; body: string | null };
  try {
    answer = await callDependency(
      ctx,
      "hibp",
      async (signal) => {
        const response = await ctx.fetch(url, {
          headers: { "add-padding": "true", "user-agent": "Gatehouse" },
          signal,
        });
        return { status: response.status, body: response.ok ? await response.text() : null };
      },
      { timeoutMs: DEPENDENCY_POLICIES.hibp.timeoutMs, isFault: (a) => a.status >= 500 || a.status === 429 },
    );
  } catch (error) {
    const reason = error instanceof DependencyUnavailable ? error.reason : "failure";
    logger.warn("breached-password check unreachable; accepting the password", { reason });
    return { checked: false };
  }
  if (answer.body === null) {
    logger.warn("breached-password check unavailable; accepting the password", { status: answer.status });
    return { checked: false };
  }
  for (const line of answer.body.split("\n")) {
    const [candidate, count] = line.trim().split(":");
    if (candidate === suffix) {
      const n = Number(count);
      // padding entries have a count of 0
      return { checked: true, breached: n > 0, count: n };
    }
  }
  return { checked: true, breached: false, count: 0 };
}
