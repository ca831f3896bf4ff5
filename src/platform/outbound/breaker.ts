import type { CircuitBreaker } from "../../../durable-objects/circuit-breaker";
import type { RequestContext } from "../context";
import { log, logger } from "../logger";
import { countMetric } from "../metrics";
import {
  BREAKER_REGISTRY,
  type BreakerSettings,
  type BreakerSnapshot,
  type Outcome,
  type Transition,
} from "./breaker-state";

/**
 * Timeouts and circuit breakers for every outbound dependency (docs/failure-isolation.md). `callDependency` wraps
 * one outbound call: it refuses at once while the dependency's breaker is open, aborts the call after its
 * timeout, and reports the outcome to the dependency's CircuitBreaker Durable Object — off the critical path
 * (waitUntil), and only when it matters. Each isolate caches the breaker's state (CLOSED_FRESH_MS while closed,
 * until the retry time while open), so a healthy dependency costs no Durable Object call on the request's path.
 */
export class DependencyUnavailable extends Error {
  readonly dependency: string;
  readonly reason: "open" | "timeout" | "failure";

  constructor(dependency: string, reason: "open" | "timeout" | "failure", options?: { cause?: unknown }) {
    super(`${dependency} unavailable (${reason})`, options);
    this.name = "DependencyUnavailable";
    this.dependency = dependency;
    this.reason = reason;
  }
}

export type BreakerContext = Pick<RequestContext, "env" | "now" | "waitUntil" | "config">;

export interface CallOptions<T> {
  /** Abort the call after this long (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** A returned value that is the dependency's fault (e.g. an HTTP 5xx): counted as a fault, still returned. */
  isFault?: (value: T) => boolean;
  /** `false` for a thrown error that is not the dependency's fault: re-thrown unchanged, counted as a success. */
  isFaultError?: (error: unknown) => boolean;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
/** How long an isolate trusts a closed breaker without asking its object (how fast it learns another opened it). */
export const CLOSED_FRESH_MS = 5_000;
/** The probe's lease beyond its call's timeout: a probe that never reports frees the lease after this. */
const PROBE_LEASE_MARGIN_MS = 2_000;

interface CachedState {
  state: BreakerSnapshot["state"];
  /** Closed: until when the entry is trusted. Open: when a probe may go. */
  until: number;
  /** The object counts consecutive faults: this isolate's next success is reported to reset them. */
  faulty: boolean;
}

/** This isolate's view of each breaker (module state: shared by the isolate's requests, lost with it). */
const cache = new Map<string, CachedState>();

function settingsOf(config: BreakerContext["config"]): BreakerSettings {
  return { failureThreshold: config.BREAKER_FAILURES, openMs: config.BREAKER_OPEN_SECONDS * 1000 };
}

function breakerOf(env: BreakerContext["env"], dependency: string): DurableObjectStub<CircuitBreaker> {
  return env.CIRCUIT_BREAKER.get(env.CIRCUIT_BREAKER.idFromName(dependency));
}

function remember(dependency: string, view: BreakerSnapshot, now: number): void {
  const open = view.state !== "closed";
  cache.set(dependency, {
    state: view.state,
    until: open ? (view.retryAt ?? now) : now + CLOSED_FRESH_MS,
    faulty: view.consecutiveFaults > 0,
  });
}

type Admitted = { probeId: string | null };

/**
 * Whether this call may go, and as the probe or not. Closed and fresh in the cache: yes, no Durable Object call.
 * Closed but stale: yes, and the state is re-read after the response (waitUntil). Open before its retry time:
 * no. Unknown (a new isolate), or open past its retry time: one call to the object, which elects the probe.
 * The breaker must never become an outage of its own: when the object cannot be reached the call goes ahead.
 */
async function admission(ctx: BreakerContext, dependency: string, leaseMs: number): Promise<Admitted> {
  const now = ctx.now();
  const cached = cache.get(dependency);
  if (cached?.state === "closed") {
    if (now >= cached.until) {
      cached.until = now + CLOSED_FRESH_MS; // one refresh per interval, not one per concurrent call
      ctx.waitUntil(
        (async () =>
          remember(
            dependency,
            await breakerOf(ctx.env, dependency).peek(dependency, now),
            ctx.now(),
          ))().catch((error: unknown) => logger.warn("circuit breaker unreachable", { dependency, error })),
      );
    }
    return { probeId: null };
  }
  if (cached && now < cached.until) throw rejected(dependency);
  try {
    const answer = await breakerOf(ctx.env, dependency).admit(dependency, now, leaseMs);
    remember(dependency, answer.snapshot, now);
    if (answer.admission.kind === "reject") throw rejected(dependency);
    return { probeId: answer.admission.kind === "probe" ? answer.admission.probeId : null };
  } catch (error) {
    if (error instanceof DependencyUnavailable) throw error;
    logger.warn("circuit breaker unreachable; calling the dependency", { dependency, error });
    return { probeId: null };
  }
}

function rejected(dependency: string): DependencyUnavailable {
  countMetric("gatehouse_dependency_calls_total", { dependency, outcome: "rejected" });
  return new DependencyUnavailable(dependency, "open");
}

/** Reports an outcome to the object after the response, and learns the new state from its answer. */
function reportOutcome(ctx: BreakerContext, dependency: string, outcome: Outcome): void {
  const now = ctx.now();
  const send = async () => {
    const { transition, snapshot } = await breakerOf(ctx.env, dependency).report(
      dependency,
      now,
      outcome,
      settingsOf(ctx.config),
    );
    remember(dependency, snapshot, ctx.now());
    if (transition) noteTransition(dependency, transition, snapshot);
  };
  ctx.waitUntil(
    send().catch((error: unknown) => logger.warn("circuit breaker unreachable", { dependency, error })),
  );
}

function noteTransition(
  dependency: string,
  transition: NonNullable<Transition>,
  view: BreakerSnapshot,
): void {
  countMetric("gatehouse_breaker_transitions_total", { dependency, state: transition });
  // Forced: a transition is written even when its request is sampled out (a 201 with HIBP's breaker opening).
  log(
    "warn",
    transition === "open" ? "circuit breaker opened" : "circuit breaker closed",
    { dependency, retryAt: view.retryAt, faults: view.counters.faults },
    { forced: true },
  );
}

const TIMED_OUT = Symbol("timed out");

/**
 * Calls an outbound dependency through its circuit breaker (see the module comment and DependencyUnavailable):
 * - open → throws DependencyUnavailable("open") without calling;
 * - no answer within `timeoutMs` → the call's signal is aborted and DependencyUnavailable("timeout") thrown;
 * - a thrown error → DependencyUnavailable("failure") with the error as `cause`, unless `isFaultError` says it
 *   is not the dependency's fault (then re-thrown unchanged and counted as a success);
 * - a returned value is returned, and counted as a fault when `isFault(value)`.
 */
export async function callDependency<T>(
  ctx: BreakerContext,
  dependency: string,
  call: (signal: AbortSignal) => Promise<T>,
  options: CallOptions<T> = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { probeId } = await admission(ctx, dependency, timeoutMs + PROBE_LEASE_MARGIN_MS);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException(`${dependency} timed out`, "TimeoutError"));
      resolve(TIMED_OUT);
    }, timeoutMs);
  });
  let result: { ok: true; value: T } | { ok: false; error: unknown; timeout: boolean };
  try {
    const value = await Promise.race([call(controller.signal), deadline]);
    result =
      value === TIMED_OUT ? { ok: false, error: null, timeout: true } : { ok: true, value: value as T };
  } catch (error) {
    result = { ok: false, error, timeout: controller.signal.aborted };
  } finally {
    clearTimeout(timer);
  }

  if (result.ok) {
    const fault = options.isFault?.(result.value) ?? false;
    settle(ctx, dependency, { ok: !fault, probeId }, fault ? "failure" : "success");
    return result.value;
  }
  if (result.timeout) {
    settle(ctx, dependency, { ok: false, timeout: true, probeId }, "timeout");
    throw new DependencyUnavailable(dependency, "timeout", { cause: result.error });
  }
  if (options.isFaultError?.(result.error) === false) {
    settle(ctx, dependency, { ok: true, probeId }, "success");
    throw result.error;
  }
  settle(ctx, dependency, { ok: false, probeId }, "failure");
  throw new DependencyUnavailable(dependency, "failure", { cause: result.error });
}

/**
 * Counts the outcome and reports it when it matters: a fault, a probe's result, or a success while the object
 * counts consecutive faults. A plain success of a healthy dependency reports nothing.
 */
function settle(
  ctx: BreakerContext,
  dependency: string,
  outcome: Outcome,
  label: "success" | "failure" | "timeout",
): void {
  countMetric("gatehouse_dependency_calls_total", { dependency, outcome: label });
  const cached = cache.get(dependency);
  if (outcome.probeId) {
    // This isolate knows the probe's result first: it stops refusing (or keeps refusing) before the object answers.
    const now = ctx.now();
    cache.set(
      dependency,
      outcome.ok
        ? { state: "closed", until: now + CLOSED_FRESH_MS, faulty: false }
        : { state: "open", until: now + settingsOf(ctx.config).openMs, faulty: true },
    );
  } else if (outcome.ok && !cached?.faulty) {
    return;
  } else if (!outcome.ok && cached) {
    cached.faulty = true;
  }
  reportOutcome(ctx, dependency, outcome);
}

/** Every breaker's state as its object holds it (the health detail): one Durable Object call per name. */
export async function breakerSnapshots(
  ctx: BreakerContext,
  names: readonly string[],
): Promise<Record<string, BreakerSnapshot | null>> {
  const now = ctx.now();
  const views = await Promise.all(
    names.map((name) =>
      (async () => breakerOf(ctx.env, name).peek(name, now))().catch((error: unknown) => {
        logger.warn("circuit breaker unreachable", { dependency: name, error });
        return null;
      }),
    ),
  );
  return Object.fromEntries(names.map((name, i) => [name, views[i] ?? null]));
}

/** The dependency names a breaker was ever created for (its registry object). */
export async function knownBreakers(ctx: BreakerContext): Promise<string[]> {
  return breakerOf(ctx.env, BREAKER_REGISTRY).names();
}

/** Forgets this isolate's cached states (tests that move the clock backwards). */
export function forgetBreakerCache(): void {
  cache.clear();
}
