import type { LoginCheck, NetworkSignal } from "../../../durable-objects/abuse-monitor";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { countMetric } from "../../platform/metrics";
import { announceSignals } from "./announce";
import { accountKey, passwordKey } from "./keyed-hash";
import { abuseThresholds, type RequestNetworks, requestNetworks } from "./networks";

/**
 * Abuse signals on the request path (docs/abuse-signals.md): the login check, the failure record and the
 * sign-up admission. Each is one call to the AbuseMonitor object of the request's widest network, which holds
 * the IP's, the prefix's and the ASN's counters together.
 */
function monitorOf(ctx: RequestContext, networks: RequestNetworks) {
  const namespace = ctx.env.ABUSE_MONITOR;
  return namespace.get(namespace.idFromName(networks.route));
}

const NO_SIGNAL: LoginCheck = { signals: [], retryAfter: 0 };

/**
 * The login check of the request's networks, before the password is verified. Answers the signals on (the
 * caller then requires Turnstile); throws 429 `rate_limited` with `Retry-After` when a signalled network has used
 * up its logins for the minute. Meant to run beside the per-IP rate limits (no extra sequential round trip).
 */
export async function checkLoginNetworks(ctx: RequestContext): Promise<LoginCheck> {
  const networks = requestNetworks(ctx.client);
  if (!networks) return NO_SIGNAL;
  return monitorOf(ctx, networks).check({
    networks: networks.refs,
    now: ctx.now(),
    thresholds: abuseThresholds(ctx.config),
  });
}

/** Throws 429 `rate_limited` when the check refused the attempt (a signalled network over its per-minute cap). */
export function throwIfNetworkThrottled(check: LoginCheck): void {
  if (check.retryAfter <= 0) return;
  countMetric("gatehouse_rate_limited_total", { rule: "abuse:network" });
  throw new AuthError("rate_limited", {
    headers: { "Retry-After": String(check.retryAfter) },
    internal: { limits: ["abuse:network"], signals: signalSummary(check.signals) },
  });
}

/** `["credential_stuffing@asn", …]`: what the log line of a refusal names (no address, no IP). */
export function signalSummary(signals: readonly NetworkSignal[]): string[] {
  return [...new Set(signals.map((s) => `${s.kind}@${s.network.level}`))];
}

/**
 * Records a failed login against the request's networks: the account's key (stuffing) and the password's key
 * (spraying). Signals that start are audited, counted and logged once (announce.ts).
 */
export async function recordLoginFailure(
  ctx: RequestContext,
  input: { email: string; password: string | null },
): Promise<void> {
  const networks = requestNetworks(ctx.client);
  if (!networks) return;
  try {
    const keys = ctx.config.ENCRYPTION_KEYS;
    const [account, password] = await Promise.all([
      accountKey(keys, input.email),
      input.password ? passwordKey(keys, input.password) : null,
    ]);
    const started = await monitorOf(ctx, networks).recordFailure({
      networks: networks.refs,
      now: ctx.now(),
      thresholds: abuseThresholds(ctx.config),
      account,
      password,
    });
    if (started.length > 0) await announceSignals(ctx, started);
  } catch (error) {
    // The failed login still answers 401: a lost count must not turn it into a 500 (the check fails closed).
    logger.warn("abuse failure record lost", { error });
  }
}

/**
 * Admits a sign-up from the request's network (its /24 or /48 and its ASN): counted, or refused with 429
 * `rate_limited` and `Retry-After` while the network is under a sign-up burst signal.
 */
export async function admitSignup(ctx: RequestContext): Promise<void> {
  const networks = requestNetworks(ctx.client);
  if (!networks) return;
  const verdict = await monitorOf(ctx, networks).recordSignup({
    networks: networks.refs,
    now: ctx.now(),
    thresholds: abuseThresholds(ctx.config),
  });
  if (verdict.started.length > 0) await announceSignals(ctx, verdict.started);
  if (verdict.allowed) return;
  countMetric("gatehouse_rate_limited_total", { rule: "abuse:signup" });
  throw new AuthError("rate_limited", {
    headers: { "Retry-After": String(verdict.retryAfter) },
    internal: { limits: ["abuse:signup"] },
  });
}
