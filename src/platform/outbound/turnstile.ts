import type { RequestContext } from "../context";
import { logger } from "../logger";
import { callDependency, DependencyUnavailable } from "./breaker";
import { DEPENDENCY_POLICIES } from "./policies";

/**
 * Cloudflare Turnstile, verified server-side (siteverify) through the injected fetch. A token passes only when
 * siteverify says it is valid AND it was solved on one of our sites (`hostname`: the PUBLIC_ORIGIN's, or a
 * CORS_ORIGINS one's) for the action the endpoint expects (`action`, the widget's `data-action`): a token
 * solved on someone else's page with our site key, or for another form, is refused like an invalid one.
 * Cloudflare's documented test secrets are answered locally, without the network, exactly as siteverify
 * would answer them:
 * `1x…AA` passes every token, `2x…AA` fails every token, `3x…AA` reports the token as already spent.
 * With a passing test secret any token does, e.g. the dummy `XXXX.DUMMY.TOKEN.XXXX` of Cloudflare's docs.
 * (Configuration refuses test secrets in production.)
 */
const TEST_SECRETS: Record<string, boolean> = {
  "1x0000000000000000000000000000000AA": true,
  "2x0000000000000000000000000000000AA": false,
  "3x0000000000000000000000000000000AA": false,
};

/** A test secret that passes every token: pages then send Cloudflare's dummy token instead of a widget. */
export function passesEveryToken(secret: string): boolean {
  return TEST_SECRETS[secret] === true;
}

/** The dummy token of Cloudflare's docs, which a passing test secret accepts. */
export const DUMMY_TURNSTILE_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

export type TurnstileResult =
  | { ok: true }
  | { ok: false; reason: "missing" | "invalid" | "unavailable" | "wrong_hostname" | "wrong_action" };

/** The widget's `action` each endpoint expects (clients render the widget with it). */
export type TurnstileAction = "register" | "login" | "mfa";

/** The hostnames a widget of ours runs on: the PUBLIC_ORIGIN's and every CORS origin's. */
function ourHostnames(config: RequestContext["config"]): Set<string> {
  return new Set(
    [config.PUBLIC_ORIGIN, ...config.CORS_ORIGINS].map((o) => new URL(o).hostname.toLowerCase()),
  );
}

interface SiteverifyOutcome {
  success?: boolean;
  "error-codes"?: string[];
  hostname?: unknown;
  action?: unknown;
}

type SiteverifyAnswer = { status: number; outcome: SiteverifyOutcome | null };

/**
 * Checks a widget token with siteverify, through the `turnstile` circuit breaker: fail closed — siteverify
 * unreachable, timed out (5 s), answering 5xx/429, or its breaker open, is `unavailable` (not passed).
 */
export async function verifyTurnstile(
  ctx: Pick<RequestContext, "fetch" | "config" | "client" | "env" | "now" | "waitUntil">,
  input: { token: string | undefined | null; action: TurnstileAction; idempotencyKey?: string },
): Promise<TurnstileResult> {
  const { token, action, idempotencyKey } = input;
  const secret = ctx.config.TURNSTILE_SECRET_KEY;
  if (!token) return { ok: false, reason: "missing" };
  if (token.length > 2048) return { ok: false, reason: "invalid" };
  const testAnswer = TEST_SECRETS[secret];
  if (testAnswer !== undefined) return testAnswer ? { ok: true } : { ok: false, reason: "invalid" };

  const form = new FormData();
  form.set("secret", secret);
  form.set("response", token);
  if (ctx.client.ip) form.set("remoteip", ctx.client.ip);
  if (idempotencyKey) form.set("idempotency_key", idempotencyKey);
  let answer: SiteverifyAnswer;
  try {
    answer = await callDependency(
      ctx,
      "turnstile",
      async (signal) => {
        const response = await ctx.fetch(ctx.config.TURNSTILE_VERIFY_URL, {
          method: "POST",
          body: form,
          signal,
        });
        if (!response.ok) return { status: response.status, outcome: null };
        return { status: response.status, outcome: (await response.json()) as SiteverifyOutcome };
      },
      {
        timeoutMs: DEPENDENCY_POLICIES.turnstile.timeoutMs,
        isFault: (a) => a.status >= 500 || a.status === 429,
      },
    );
  } catch (error) {
    // Fail closed (platform/outbound/policies.ts): a CAPTCHA that cannot be checked is not passed. An open
    // breaker answers here at once, without a call.
    const reason = error instanceof DependencyUnavailable ? error.reason : "failure";
    logger.warn("turnstile siteverify unreachable", { reason });
    return { ok: false, reason: "unavailable" };
  }
  const outcome = answer.outcome;
  if (!outcome) {
    logger.warn("turnstile siteverify answered an error", { status: answer.status });
    return { ok: false, reason: "unavailable" };
  }
  if (outcome.success !== true) {
    logger.security("turnstile token rejected", { errors: outcome["error-codes"] ?? [] });
    return { ok: false, reason: "invalid" };
  }
  const hostname = typeof outcome.hostname === "string" ? outcome.hostname.toLowerCase() : null;
  if (!hostname || !ourHostnames(ctx.config).has(hostname)) {
    logger.security("turnstile token solved on another site", { hostname });
    return { ok: false, reason: "wrong_hostname" };
  }
  if (outcome.action !== action) {
    logger.security("turnstile token solved for another action", {
      expected: action,
      action: outcome.action,
    });
    return { ok: false, reason: "wrong_action" };
  }
  return { ok: true };
}
