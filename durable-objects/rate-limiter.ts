import { DurableObject } from "cloudflare:workers";

/**
 * Strongly consistent counters for one subject (an IP, an address hash…): one instance per subject
 * (`idFromName(subject)`), so every count for it is made in one place, strictly in order — neither KV
 * (eventually consistent) nor isolate memory (one of many isolates) can count reliably. A subject holds several
 * named counters, so one call can apply every rule that concerns it (e.g. "login attempts per IP" and
 * "failed logins per IP"). Each counter is a sliding-window counter: the current window's count plus the
 * previous window's, weighted by how much of it still overlaps the sliding window.
 */
export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in the window after this one (0 when refused). */
  remaining: number;
  /** Seconds until a hit would be allowed again (0 when allowed). */
  retryAfter: number;
  /** The (estimated) count in the sliding window after this operation. */
  count: number;
}

export interface CounterOp {
  counter: string;
  op: "hit" | "peek" | "reset";
  limit: number;
  windowSeconds: number;
}

interface WindowState {
  windowStart: number;
  count: number;
  previousCount: number;
}

const DEFAULT = "default";

export class RateLimiter extends DurableObject {
  #states = new Map<string, WindowState>();

  /**
   * Applies counter operations in order, atomically for this subject; `now` comes from the caller's injected
   * clock. A refused hit is not counted.
   */
  async apply(ops: CounterOp[], now: number): Promise<RateLimitDecision[]> {
    const decisions: RateLimitDecision[] = [];
    let cleanupAt = 0;
    for (const op of ops) {
      const windowMs = op.windowSeconds * 1000;
      if (op.op === "reset") {
        this.#states.delete(op.counter);
        await this.ctx.storage.delete(`c:${op.counter}`);
        decisions.push({ allowed: true, remaining: op.limit, retryAfter: 0, count: 0 });
        continue;
      }
      const state = await this.#load(op.counter, windowMs, now);
      const estimate = this.#estimate(state, windowMs, now);
      if (op.op === "peek") {
        decisions.push({
          allowed: estimate < op.limit,
          remaining: Math.max(0, Math.floor(op.limit - estimate)),
          retryAfter: 0,
          count: Math.ceil(estimate),
        });
        continue;
      }
      if (estimate + 1 > op.limit) {
        decisions.push({
          allowed: false,
          remaining: 0,
          retryAfter: this.#retryAfter(state, op.limit, windowMs, now),
          count: Math.ceil(estimate),
        });
        continue;
      }
      state.count += 1;
      await this.ctx.storage.put(`c:${op.counter}`, state);
      cleanupAt = Math.max(cleanupAt, state.windowStart + 2 * windowMs);
      decisions.push({
        allowed: true,
        remaining: Math.max(0, Math.floor(op.limit - estimate - 1)),
        retryAfter: 0,
        count: Math.ceil(estimate + 1),
      });
    }
    if (cleanupAt > 0) await this.#scheduleCleanup(cleanupAt);
    return decisions;
  }

  /** One counter: records a hit unless refused. */
  async hit(limit: number, windowSeconds: number, now: number): Promise<RateLimitDecision> {
    const [decision] = await this.apply([{ counter: DEFAULT, op: "hit", limit, windowSeconds }], now);
    return decision as RateLimitDecision;
  }

  /** One counter: the count without recording a hit. */
  async peek(windowSeconds: number, now: number): Promise<number> {
    const [decision] = await this.apply(
      [{ counter: DEFAULT, op: "peek", limit: Number.MAX_SAFE_INTEGER, windowSeconds }],
      now,
    );
    return decision?.count ?? 0;
  }

  /** Forgets every counter of this subject. */
  async reset(): Promise<void> {
    this.#states.clear();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    // Every window has passed since the last hit: nothing left to remember.
    this.#states.clear();
    await this.ctx.storage.deleteAll();
  }

  async #load(counter: string, windowMs: number, now: number): Promise<WindowState> {
    let state = this.#states.get(counter);
    if (!state) {
      state = (await this.ctx.storage.get<WindowState>(`c:${counter}`)) ?? {
        windowStart: now - (now % windowMs),
        count: 0,
        previousCount: 0,
      };
      this.#states.set(counter, state);
    }
    const currentStart = now - (now % windowMs);
    if (currentStart > state.windowStart) {
      state.previousCount = currentStart - state.windowStart === windowMs ? state.count : 0;
      state.count = 0;
      state.windowStart = currentStart;
    }
    return state;
  }

  #estimate(state: WindowState, windowMs: number, now: number): number {
    const elapsed = now - state.windowStart;
    return state.previousCount * ((windowMs - elapsed) / windowMs) + state.count;
  }

  #retryAfter(state: WindowState, limit: number, windowMs: number, now: number): number {
    // Time until the weighted previous window has decayed enough, or the current window ends.
    const elapsed = now - state.windowStart;
    if (state.count + 1 > limit) return Math.ceil((windowMs - elapsed) / 1000) || 1;
    const headroom = limit - state.count - 1;
    const decayAt = Math.min(windowMs, windowMs * (1 - headroom / Math.max(state.previousCount, 1)));
    return Math.max(1, Math.ceil((decayAt - elapsed) / 1000));
  }

  async #scheduleCleanup(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current < at) await this.ctx.storage.setAlarm(at);
  }
}
