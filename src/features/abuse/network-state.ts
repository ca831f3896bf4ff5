/**
 * The counters of one network (an IP, a /24 or /48, an ASN) kept by the AbuseMonitor Durable Object
 * (durable-objects/abuse-monitor.ts), and the pure rules that turn them into signals. Pure and import-free: the
 * Durable Object imports it, unit tests drive it with a clock of their own (docs/abuse-signals.md).
 *
 * Memory is bounded by the thresholds, not by the attack: a network remembers at most `stuffing[level]` account
 * keys (the set only has to reach the threshold — past it the signal is on and one more key tells nothing) and
 * at most MAX_SPRAYED_PASSWORDS password keys of at most `sprayAccounts` account keys each. The sets are exact
 * below their caps, which is all a threshold needs (no HyperLogLog error at the very count that decides).
 */

export type NetworkLevel = "ip" | "prefix" | "asn";
export type SignalKind = "credential_stuffing" | "password_spraying" | "signup_burst";
export type LoginSignalKind = Exclude<SignalKind, "signup_burst">;

/** One network of a request: its level and its key (`ip:203.0.113.7`, `net:203.0.113.0/24`, `asn:64500`). */
export interface NetworkRef {
  level: NetworkLevel;
  key: string;
}

export interface AbuseThresholds {
  /** The sliding window distinct accounts, sprayed passwords and sign-ups are counted in, ms. */
  windowMs: number;
  /** How long a signal lasts after the last event that met its condition, ms. */
  signalMs: number;
  /** Distinct accounts with failed logins within the window that make a credential-stuffing signal. */
  stuffing: Record<NetworkLevel, number>;
  /** Distinct accounts one (keyed) password failed against within the window: a password-spraying signal. */
  sprayAccounts: number;
  /** Logins per minute a network under a login signal may still attempt (then 429). */
  loginsPerMinute: number;
  /** Sign-ups within the window above which a network's registrations are refused (a sign-up burst). */
  signups: Record<Exclude<NetworkLevel, "ip">, number>;
}

export interface Signal {
  since: number;
  until: number;
}

/** A sliding-window counter (the current fixed window's count plus the previous one's, weighted). */
export interface WindowCounter {
  start: number;
  count: number;
  previous: number;
}

export interface NetworkState {
  /** Account key → time of its last failed login (at most `stuffing[level]` entries). */
  accounts: Map<string, number>;
  /** Password key → account key → time (at most MAX_SPRAYED_PASSWORDS × `sprayAccounts` entries). */
  sprays: Map<string, Map<string, number>>;
  failures: WindowCounter;
  signups: WindowCounter;
  /** Login attempts in the current minute, counted only while a login signal is on. */
  attempts: { start: number; count: number };
  signals: Partial<Record<SignalKind, Signal>>;
  /** The last time anything was recorded (the Durable Object forgets the state some windows later). */
  touched: number;
}

/** Password keys a network remembers at once; the one tried longest ago goes first. */
export const MAX_SPRAYED_PASSWORDS = 256;
const MINUTE_MS = 60_000;

export function emptyNetworkState(now: number): NetworkState {
  return {
    accounts: new Map(),
    sprays: new Map(),
    failures: { start: now, count: 0, previous: 0 },
    signups: { start: now, count: 0, previous: 0 },
    attempts: { start: now, count: 0 },
    signals: {},
    touched: now,
  };
}

/** Drops what the window has left behind and the signals that have decayed. */
export function pruneNetworkState(state: NetworkState, now: number, t: AbuseThresholds): void {
  const horizon = now - t.windowMs;
  for (const [account, at] of state.accounts) if (at <= horizon) state.accounts.delete(account);
  for (const [password, accounts] of state.sprays) {
    for (const [account, at] of accounts) if (at <= horizon) accounts.delete(account);
    if (accounts.size === 0) state.sprays.delete(password);
  }
  for (const kind of Object.keys(state.signals) as SignalKind[]) {
    if ((state.signals[kind]?.until ?? 0) <= now) delete state.signals[kind];
  }
}

/** When the state holds nothing that still matters: no entry, signal or counter left in any window. */
export function forgetAt(state: NetworkState, t: AbuseThresholds): number {
  const signals = Object.values(state.signals).map((s) => s?.until ?? 0);
  return Math.max(state.touched + 2 * t.windowMs, state.attempts.start + MINUTE_MS, ...signals);
}

/** Starts a signal, or extends a running one (then it is not new). Returns whether it started. */
function raise(state: NetworkState, kind: SignalKind, now: number, t: AbuseThresholds): boolean {
  const running = state.signals[kind];
  if (running && running.until > now) {
    running.until = Math.max(running.until, now + t.signalMs);
    return false;
  }
  state.signals[kind] = { since: now, until: now + t.signalMs };
  return true;
}

function slide(counter: WindowCounter, now: number, windowMs: number): void {
  const start = now - (now % windowMs);
  if (start > counter.start) {
    counter.previous = start - counter.start === windowMs ? counter.count : 0;
    counter.count = 0;
    counter.start = start;
  }
}

/** The sliding-window estimate of a counter at `now`. */
export function windowEstimate(counter: WindowCounter, now: number, windowMs: number): number {
  slide(counter, now, windowMs);
  return counter.previous * ((windowMs - (now - counter.start)) / windowMs) + counter.count;
}

/** Adds `key` to a capped set (refreshing its time); a full set takes no new key. */
function addCapped(set: Map<string, number>, key: string, now: number, cap: number): void {
  if (set.has(key) || set.size < cap) set.set(key, now);
}

/**
 * A failed login from this network: counts the account (stuffing) and the account under the password's key
 * (spraying). Returns the signals this failure started (none when they were already on: one audit entry per
 * signal, not one per request).
 */
export function recordFailure(
  state: NetworkState,
  level: NetworkLevel,
  input: { account: string; password: string | null; now: number },
  t: AbuseThresholds,
): LoginSignalKind[] {
  const { account, password, now } = input;
  pruneNetworkState(state, now, t);
  state.touched = now;
  windowEstimate(state.failures, now, t.windowMs);
  state.failures.count += 1;
  const started: LoginSignalKind[] = [];

  addCapped(state.accounts, account, now, t.stuffing[level]);
  if (state.accounts.size >= t.stuffing[level] && raise(state, "credential_stuffing", now, t)) {
    started.push("credential_stuffing");
  }

  if (password !== null) {
    let accounts = state.sprays.get(password);
    if (!accounts) {
      if (state.sprays.size >= MAX_SPRAYED_PASSWORDS) evictStalest(state.sprays);
      accounts = new Map();
      state.sprays.set(password, accounts);
    }
    addCapped(accounts, account, now, t.sprayAccounts);
    if (accounts.size >= t.sprayAccounts && raise(state, "password_spraying", now, t)) {
      started.push("password_spraying");
    }
  }
  return started;
}

function evictStalest(sprays: Map<string, Map<string, number>>): void {
  let stalest: string | undefined;
  let stalestAt = Number.POSITIVE_INFINITY;
  for (const [password, accounts] of sprays) {
    const last = Math.max(...accounts.values());
    if (last < stalestAt) [stalest, stalestAt] = [password, last];
  }
  if (stalest !== undefined) sprays.delete(stalest);
}

/** The login signals on at `now` (credential stuffing, password spraying), with when the last one ends. */
export function loginSignals(state: NetworkState, now: number): { kinds: LoginSignalKind[]; until: number } {
  const kinds = (["credential_stuffing", "password_spraying"] as const).filter(
    (k) => (state.signals[k]?.until ?? 0) > now,
  );
  return { kinds, until: Math.max(0, ...kinds.map((k) => state.signals[k]?.until ?? 0)) };
}

/** Seconds until a login from a signalled network is allowed again (0: allowed now), without counting it. */
export function attemptRetryAfter(state: NetworkState, now: number, t: AbuseThresholds): number {
  if (now - state.attempts.start >= MINUTE_MS) return 0;
  if (state.attempts.count < t.loginsPerMinute) return 0;
  return Math.max(1, Math.ceil((state.attempts.start + MINUTE_MS - now) / 1000));
}

/** Counts a login attempt of a signalled network in its fixed one-minute window. */
export function countAttempt(state: NetworkState, now: number): void {
  if (now - state.attempts.start >= MINUTE_MS) state.attempts = { start: now, count: 0 };
  state.attempts.count += 1;
  state.touched = now;
}

export type SignupVerdict = { allowed: true } | { allowed: false; started: boolean; retryAfter: number };

/**
 * A sign-up from this network (/24, /48 or ASN): refused while a burst signal is on; counted otherwise, and the
 * one that would pass the threshold starts the signal (refused too).
 */
export function recordSignup(
  state: NetworkState,
  level: Exclude<NetworkLevel, "ip">,
  now: number,
  t: AbuseThresholds,
): SignupVerdict {
  pruneNetworkState(state, now, t);
  const running = state.signals.signup_burst;
  if (running && running.until > now) {
    return { allowed: false, started: false, retryAfter: Math.ceil((running.until - now) / 1000) };
  }
  state.touched = now;
  if (windowEstimate(state.signups, now, t.windowMs) + 1 > t.signups[level]) {
    raise(state, "signup_burst", now, t);
    return { allowed: false, started: true, retryAfter: Math.ceil(t.signalMs / 1000) };
  }
  state.signups.count += 1;
  return { allowed: true };
}
