import { DurableObject } from "cloudflare:workers";

/** A sealed session key (crypto/secretbox.ts: this object never holds a key in clear, nor the means to open it). */
export interface SealedSessionKey {
  sealedKey: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** What the caller read from D1 (the connection row). */
export interface ConnectionFacts {
  /** The connection's credential generation. */
  generation: number;
  /** Refresh once less than this remains (min(600 s, sessionTtlSeconds / 2)). */
  windowMs: number;
  /** D1's copy of the key for this generation: adopted when this object has none or an older one (eviction). */
  stored: SealedSessionKey | null;
}

export interface AcquireRequest {
  /** The caller's (injected) clock, epoch ms. */
  now: number;
  /**
   * The caller's D1 read of the connection; null: answer from the cache alone if it is fresh and the facts were
   * checked against D1 less than ROW_TRUST_MS ago, else `need_row` (the hot path skips D1 this way).
   */
  row: ConnectionFacts | null;
  /**
   * `get`: the current key, refreshed if inside the window; `force`: a new key whatever the window (owner's
   * refresh); `invalid`: the caller holds `sealedKey` (as this object handed it out) and Virtuozzo refused it.
   */
  mode: { kind: "get" } | { kind: "force" } | { kind: "invalid"; sealedKey: string };
}

export type Acquired =
  | ({ kind: "fresh" } & SealedSessionKey)
  /** The caller must refresh and then call `complete(leaseId, …)`; `current` is the key it replaces, if still valid. */
  | { kind: "lead"; leaseId: string; current: SealedSessionKey | null }
  /** The refresh failed (or failed moments ago): `fallback` is the old key while it is still valid. */
  | { kind: "unavailable"; fallback: SealedSessionKey | null }
  | { kind: "rejected" }
  /** The caller read an older generation than this object knows (a PUT happened): read D1 again. */
  | { kind: "stale" }
  /** Asked without `row`, and the cache alone cannot answer: ask again with D1's facts. */
  | { kind: "need_row" };

export type Completion =
  | ({ kind: "fresh" } & SealedSessionKey)
  | { kind: "unavailable" }
  | { kind: "rejected" };

interface Lease {
  id: string;
  generation: number;
  waiters: ((answer: Acquired) => void)[];
  timer: ReturnType<typeof setTimeout>;
}

/** A leader that has not completed within this long (it crashed, or its isolate died) frees the team. */
export const LEASE_TIMEOUT_MS = 20_000;
/** After a failed refresh, requests within this long get the old key (or 502) without another attempt. */
export const FAILURE_BACKOFF_MS = 10_000;
/**
 * How long the facts of the last D1 read are trusted for a cache answer without D1. PUT, DELETE and a rejected
 * credential reset this object at once (`reset`, `complete`); this bounds the damage if such a reset is lost.
 */
export const ROW_TRUST_MS = 30_000;

/**
 * The per-team refresh LOCK and key CACHE of the team's Virtuozzo session (one object per team,
 * `idFromName(teamId)`). Not an HTTP client: the Worker calls Virtuozzo through its injected fetch, and this
 * object only decides who does. A request inside the safety window gets `lead` — exactly one caller at a time,
 * under a lease — and every other caller waits here (a pending promise) until the leader's `complete`, so N
 * concurrent requests cause one sign-in. The cache lives in memory; after an eviction the first caller's D1 copy
 * (`stored`) refills it. A new credential (`generation`) drops the cache and any lease of the old one.
 *
 * Every decision is made synchronously from memory, with no `await` between reading and changing the state, so
 * the input gate's one-call-at-a-time delivery makes the check-and-lease atomic. Key validity uses the caller's
 * injected clock; the lease timeout alone is real time (a crashed leader frees the team in real seconds).
 */
export class VirtuozzoSession extends DurableObject {
  #generation = 0;
  #cache: SealedSessionKey | null = null;
  #lease: Lease | null = null;
  #backoffUntil = 0;
  #windowMs = 0;
  /** When a caller last handed over D1's facts (caller's clock); 0: never, or forgotten by a DELETE. */
  #checkedAt = 0;

  acquire(request: AcquireRequest): Acquired | Promise<Acquired> {
    const { now, mode, row } = request;
    if (!row) return this.#fromCache(now, mode);
    const { generation, windowMs, stored } = row;
    if (generation < this.#generation) return { kind: "stale" };
    if (generation > this.#generation) this.#newGeneration(generation);
    this.#windowMs = windowMs;
    this.#checkedAt = now;
    if (stored && (!this.#cache || stored.expiresAt > this.#cache.expiresAt)) this.#cache = stored;
    if (this.#lease) {
      const lease = this.#lease;
      return new Promise<Acquired>((resolve) => lease.waiters.push(resolve));
    }
    const cache = this.#cache;
    const valid = cache && cache.expiresAt > now ? cache : null;
    if (mode.kind === "get" && valid && valid.expiresAt - now > windowMs) return { kind: "fresh", ...valid };
    // A report about a key that is no longer the current one: someone refreshed already.
    if (mode.kind === "invalid" && valid && valid.sealedKey !== mode.sealedKey)
      return { kind: "fresh", ...valid };
    if (mode.kind === "get" && now < this.#backoffUntil) return { kind: "unavailable", fallback: valid };
    const leaseId = crypto.randomUUID();
    this.#lease = {
      id: leaseId,
      generation,
      waiters: [],
      timer: setTimeout(() => this.#expire(leaseId), LEASE_TIMEOUT_MS),
    };
    return { kind: "lead", leaseId, current: valid };
  }

  /** The hot path: a fresh key of recently checked facts, with no lease running, else `need_row`. */
  #fromCache(now: number, mode: AcquireRequest["mode"]): Acquired {
    const cache = this.#cache;
    const trusted = this.#checkedAt > 0 && now >= this.#checkedAt && now - this.#checkedAt < ROW_TRUST_MS;
    if (mode.kind === "get" && trusted && !this.#lease && cache && cache.expiresAt - now > this.#windowMs) {
      return { kind: "fresh", ...cache };
    }
    return { kind: "need_row" };
  }

  /** The leader's outcome: every waiter gets it. False when the lease is gone (timed out, or a new credential). */
  complete(leaseId: string, outcome: Completion, now: number): boolean {
    const lease = this.#lease;
    if (!lease || lease.id !== leaseId) return false;
    clearTimeout(lease.timer);
    this.#lease = null;
    let answer: Acquired;
    if (outcome.kind === "fresh") {
      this.#cache = { sealedKey: outcome.sealedKey, expiresAt: outcome.expiresAt };
      this.#backoffUntil = 0;
      answer = { kind: "fresh", ...this.#cache };
    } else if (outcome.kind === "rejected") {
      this.#cache = null;
      answer = { kind: "rejected" };
    } else {
      this.#backoffUntil = now + FAILURE_BACKOFF_MS;
      const cache = this.#cache;
      answer = { kind: "unavailable", fallback: cache && cache.expiresAt > now ? cache : null };
    }
    for (const resolve of lease.waiters) resolve(answer);
    return true;
  }

  /**
   * A new credential (PUT: `key` is its first session) or none (DELETE: `generation` of the deleted row, `key`
   * null): the old key is never served again, and a refresh of the old credential can no longer complete.
   */
  reset(generation: number, key: SealedSessionKey | null): void {
    if (generation < this.#generation) return;
    this.#newGeneration(generation);
    this.#cache = key;
  }

  #newGeneration(generation: number): void {
    this.#generation = generation;
    this.#cache = null;
    this.#checkedAt = 0; // the next request reads D1 (and finds the new row, or none)
    this.#backoffUntil = 0;
    const lease = this.#lease;
    if (lease) {
      clearTimeout(lease.timer);
      this.#lease = null;
      for (const resolve of lease.waiters) resolve({ kind: "stale" });
    }
  }

  #expire(leaseId: string): void {
    const lease = this.#lease;
    if (!lease || lease.id !== leaseId) return;
    this.#lease = null;
    const cache = this.#cache;
    const answer: Acquired = {
      kind: "unavailable",
      fallback: cache && cache.expiresAt > Date.now() ? cache : null,
    };
    for (const resolve of lease.waiters) resolve(answer);
  }
}
