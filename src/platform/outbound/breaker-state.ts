/**
 * The circuit breaker's state machine, pure (the CircuitBreaker Durable Object holds one record per dependency and
 * applies these functions to it; test/unit/breaker-state.test.ts walks every transition).
 *
 * closed ── BREAKER_FAILURES consecutive faults ──▶ open ── BREAKER_OPEN_SECONDS ──▶ half-open
 *   ▲                                                ▲                                  │ one probe admitted (a lease)
 *   └────────────── the probe succeeds ──────────────┴────── the probe fails ───────────┘
 *
 * While half-open exactly one caller holds the probe lease; a probe that never reports (its isolate died) lets the
 * lease expire and the next caller becomes the probe.
 */
/** The CircuitBreaker object that lists every dependency name a breaker was created for (the health detail). */
export const BREAKER_REGISTRY = "@registry";

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerSettings {
  /** Consecutive faults that open a closed breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses every call before it admits a probe, ms. */
  openMs: number;
}

export interface BreakerCounters {
  faults: number;
  successes: number;
  timeouts: number;
  /** Times the breaker opened (from closed or from a failed probe). */
  opened: number;
}

export interface BreakerRecord {
  state: BreakerState;
  consecutiveFaults: number;
  openedAt: number | null;
  /** Open: when a probe may go. Half-open: when the current probe's lease expires. */
  retryAt: number | null;
  probeId: string | null;
  counters: BreakerCounters;
  lastFaultAt: number | null;
  lastSuccessAt: number | null;
  lastTransitionAt: number | null;
}

export type Admission =
  | { kind: "pass" }
  | { kind: "probe"; probeId: string }
  | { kind: "reject"; retryAt: number };

export interface Outcome {
  ok: boolean;
  /** A fault that was a timeout (also counted as a fault). */
  timeout?: boolean;
  /** The probe lease the call held, if it was the probe. */
  probeId?: string | null;
}

/** A transition a report caused: the new state (the caller counts and logs it). */
export type Transition = "open" | "closed" | null;

export function initialRecord(): BreakerRecord {
  return {
    state: "closed",
    consecutiveFaults: 0,
    openedAt: null,
    retryAt: null,
    probeId: null,
    counters: { faults: 0, successes: 0, timeouts: 0, opened: 0 },
    lastFaultAt: null,
    lastSuccessAt: null,
    lastTransitionAt: null,
  };
}

/**
 * Admits a call or not. Closed: pass. Open before `retryAt`, or half-open with a live lease: reject. Open past
 * `retryAt`, or half-open with an expired lease: this caller becomes the probe for `leaseMs`.
 */
export function admit(
  record: BreakerRecord,
  now: number,
  input: { leaseMs: number; probeId: string },
): { record: BreakerRecord; admission: Admission } {
  if (record.state === "closed") return { record, admission: { kind: "pass" } };
  const retryAt = record.retryAt ?? now;
  if (now < retryAt) return { record, admission: { kind: "reject", retryAt } };
  return {
    record: { ...record, state: "half_open", probeId: input.probeId, retryAt: now + input.leaseMs },
    admission: { kind: "probe", probeId: input.probeId },
  };
}

function open(record: BreakerRecord, now: number, settings: BreakerSettings): BreakerRecord {
  return {
    ...record,
    state: "open",
    openedAt: now,
    retryAt: now + settings.openMs,
    probeId: null,
    counters: { ...record.counters, opened: record.counters.opened + 1 },
    lastTransitionAt: now,
  };
}

/**
 * Records a call's outcome. A fault while closed counts towards the threshold; a probe's fault re-opens, its
 * success closes. Outcomes of calls that were not the probe never move an open or half-open breaker (they
 * started before it opened, or in an isolate that had not learnt it yet): only the probe decides.
 */
export function report(
  record: BreakerRecord,
  now: number,
  outcome: Outcome,
  settings: BreakerSettings,
): { record: BreakerRecord; transition: Transition } {
  const isProbe = record.state === "half_open" && !!outcome.probeId && outcome.probeId === record.probeId;
  if (!outcome.ok) {
    const counted: BreakerRecord = {
      ...record,
      lastFaultAt: now,
      counters: {
        ...record.counters,
        faults: record.counters.faults + 1,
        timeouts: record.counters.timeouts + (outcome.timeout ? 1 : 0),
      },
    };
    if (isProbe) return { record: open(counted, now, settings), transition: "open" };
    if (record.state !== "closed") return { record: counted, transition: null };
    const consecutiveFaults = record.consecutiveFaults + 1;
    if (consecutiveFaults >= settings.failureThreshold) {
      return { record: open({ ...counted, consecutiveFaults: 0 }, now, settings), transition: "open" };
    }
    return { record: { ...counted, consecutiveFaults }, transition: null };
  }
  const counted: BreakerRecord = {
    ...record,
    lastSuccessAt: now,
    counters: { ...record.counters, successes: record.counters.successes + 1 },
  };
  if (isProbe) {
    return {
      record: {
        ...counted,
        state: "closed",
        consecutiveFaults: 0,
        openedAt: null,
        retryAt: null,
        probeId: null,
        lastTransitionAt: now,
      },
      transition: "closed",
    };
  }
  if (record.state !== "closed") return { record: counted, transition: null };
  return { record: { ...counted, consecutiveFaults: 0 }, transition: null };
}

/** What callers and the health detail see: the record as of `now` (an open breaker past its retry time is half-open). */
export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFaults: number;
  openedAt: number | null;
  retryAt: number | null;
  counters: BreakerCounters;
  lastFaultAt: number | null;
  lastSuccessAt: number | null;
  lastTransitionAt: number | null;
}

export function snapshot(record: BreakerRecord, now: number): BreakerSnapshot {
  const { probeId: _probe, ...rest } = record;
  const ready = record.state === "open" && record.retryAt !== null && now >= record.retryAt;
  return { ...rest, state: ready ? "half_open" : record.state };
}
