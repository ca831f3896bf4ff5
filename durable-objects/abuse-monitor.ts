import { DurableObject } from "cloudflare:workers";
import {
  type AbuseThresholds,
  attemptRetryAfter,
  countAttempt,
  emptyNetworkState,
  forgetAt,
  type LoginSignalKind,
  loginSignals,
  type NetworkRef,
  type NetworkState,
  pruneNetworkState,
  recordFailure,
  recordSignup,
  type SignalKind,
} from "../src/features/abuse/network-state";

/**
 * Abuse counters (features/abuse, docs/abuse-signals.md): one instance per routing network — the ASN when the
 * request has one, else its /24 (/48) — holding the states of that network AND of every /24 and IP seen inside
 * it. A login's three networks (IP, prefix, ASN) therefore live in one object, and checking them all is one call;
 * a failure is recorded in the same object by one call. Strongly consistent, strictly ordered; each network's
 * state is persisted under `n:<key>` and forgotten by the alarm once its windows and signals have passed.
 */
export interface MonitorCall {
  networks: NetworkRef[];
  now: number;
  thresholds: AbuseThresholds;
}

export interface NetworkSignal {
  network: NetworkRef;
  kind: SignalKind;
  since: number;
  until: number;
}

export interface LoginCheck {
  /** The login signals on for any of the networks (empty: nothing to do). */
  signals: NetworkSignal[];
  /** Seconds to wait when a signalled network used up its per-minute logins (the attempt was not counted). */
  retryAfter: number;
}

/** Network states kept in memory; older ones are read back from storage when needed. */
const CACHED_STATES = 4096;

export class AbuseMonitor extends DurableObject {
  #states = new Map<string, NetworkState>();

  /**
   * The login check: the signals on for the login's networks; when there are some, the attempt is counted
   * against each signalled network's per-minute cap (and refused, uncounted, when one is at its cap).
   */
  async check(call: MonitorCall): Promise<LoginCheck> {
    const { now, thresholds } = call;
    const signalled: { network: NetworkRef; state: NetworkState; kinds: LoginSignalKind[] }[] = [];
    for (const network of call.networks) {
      const state = await this.#peek(network.key);
      if (!state) continue;
      pruneNetworkState(state, now, thresholds);
      const { kinds } = loginSignals(state, now);
      if (kinds.length > 0) signalled.push({ network, state, kinds });
    }
    if (signalled.length === 0) return { signals: [], retryAfter: 0 };
    const signals = signalled.flatMap(({ network, state, kinds }) =>
      kinds.map((kind) => ({ network, kind, ...(state.signals[kind] ?? { since: now, until: now }) })),
    );
    const retryAfter = Math.max(...signalled.map((s) => attemptRetryAfter(s.state, now, thresholds)));
    if (retryAfter > 0) return { signals, retryAfter };
    for (const s of signalled) countAttempt(s.state, now);
    await this.#save(
      signalled.map((s) => [s.network.key, s.state]),
      thresholds,
    );
    return { signals, retryAfter: 0 };
  }

  /** A failed login from these networks; answers the signals it started (each starts once). */
  async recordFailure(
    call: MonitorCall & { account: string; password: string | null },
  ): Promise<NetworkSignal[]> {
    const { now, thresholds } = call;
    const started: NetworkSignal[] = [];
    const changed: [string, NetworkState][] = [];
    for (const network of call.networks) {
      const state = (await this.#peek(network.key)) ?? emptyNetworkState(now);
      const input = { account: call.account, password: call.password, now };
      for (const kind of recordFailure(state, network.level, input, thresholds)) {
        started.push({ network, kind, ...(state.signals[kind] ?? { since: now, until: now }) });
      }
      changed.push([network.key, state]);
    }
    await this.#save(changed, thresholds);
    return started;
  }

  /** A sign-up from these networks (the prefix and the ASN; an IP-level ref is ignored). */
  async recordSignup(
    call: MonitorCall,
  ): Promise<{ allowed: boolean; retryAfter: number; started: NetworkSignal[] }> {
    const { now, thresholds } = call;
    const started: NetworkSignal[] = [];
    const changed: [string, NetworkState][] = [];
    let retryAfter = 0;
    for (const network of call.networks) {
      if (network.level === "ip") continue;
      const state = (await this.#peek(network.key)) ?? emptyNetworkState(now);
      const verdict = recordSignup(state, network.level, now, thresholds);
      changed.push([network.key, state]);
      if (verdict.allowed) continue;
      retryAfter = Math.max(retryAfter, verdict.retryAfter);
      const signal = state.signals.signup_burst;
      if (verdict.started && signal) started.push({ network, kind: "signup_burst", ...signal });
    }
    await this.#save(changed, thresholds);
    return { allowed: retryAfter === 0, retryAfter, started };
  }

  /** Every signal on in this object (platform admins' view): read from the small `s:` index, not the states. */
  async activeSignals(now: number): Promise<NetworkSignal[]> {
    const stored = await this.ctx.storage.list<NetworkState["signals"]>({ prefix: "s:" });
    const signals: NetworkSignal[] = [];
    for (const [name, saved] of stored) {
      const key = name.slice(2);
      const current = this.#states.get(key)?.signals ?? saved;
      for (const [kind, signal] of Object.entries(current) as [
        SignalKind,
        { since: number; until: number },
      ][]) {
        if (signal.until > now) signals.push({ network: { level: levelOf(key), key }, kind, ...signal });
      }
    }
    return signals;
  }

  override async alarm(): Promise<void> {
    // Forget the networks whose windows and signals have all passed; come back for the next one.
    const now = Date.now();
    const stored = await this.ctx.storage.list<{ forgetAt?: number }>({ prefix: "f:" });
    let next = Number.POSITIVE_INFINITY;
    const gone: string[] = [];
    for (const [name, value] of stored) {
      const at = value.forgetAt ?? 0;
      if (at <= now) gone.push(name.slice(2));
      else next = Math.min(next, at);
    }
    for (const key of gone) this.#states.delete(key);
    if (gone.length > 0) {
      await this.ctx.storage.delete(gone.flatMap((k) => [`n:${k}`, `f:${k}`, `s:${k}`]));
    }
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  async #peek(key: string): Promise<NetworkState | undefined> {
    let state = this.#states.get(key);
    if (state) {
      // Most recently used last: the cache evicts from the front.
      this.#states.delete(key);
    } else {
      state = await this.ctx.storage.get<NetworkState>(`n:${key}`);
      if (!state) return undefined;
    }
    this.#states.set(key, state);
    if (this.#states.size > CACHED_STATES) {
      const oldest = this.#states.keys().next().value;
      if (oldest !== undefined) this.#states.delete(oldest);
    }
    return state;
  }

  async #save(changed: [string, NetworkState][], thresholds: AbuseThresholds): Promise<void> {
    if (changed.length === 0) return;
    const entries: Record<string, unknown> = {};
    const unsignalled: string[] = [];
    let forget = 0;
    for (const [key, state] of changed) {
      this.#states.set(key, state);
      const at = forgetAt(state, thresholds);
      forget = Math.max(forget, at);
      entries[`n:${key}`] = state;
      entries[`f:${key}`] = { forgetAt: at };
      // The index of signalled networks the admin view lists (decayed signals are filtered when read).
      if (Object.keys(state.signals).length > 0) entries[`s:${key}`] = state.signals;
      else unsignalled.push(`s:${key}`);
    }
    await this.ctx.storage.put(entries);
    if (unsignalled.length > 0) await this.ctx.storage.delete(unsignalled);
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > forget) await this.ctx.storage.setAlarm(forget);
  }
}

function levelOf(key: string): NetworkRef["level"] {
  if (key.startsWith("asn:")) return "asn";
  return key.startsWith("net:") ? "prefix" : "ip";
}
