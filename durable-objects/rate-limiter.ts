import { DurableObject } from "cloudflare:workers";

/**
 * One instance per rate-limit key (`idFromName(key)`), so every count for a key is made in one place,
 * strictly in order: neither KV (eventually consistent) nor isolate memory (one of many isolates) can count
 * reliably. Sliding-window counter: the estimate is the current window's count plus the previous window's
 * count weighted by how much of it still overlaps the sliding window.
 */
export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in the window after this one (0 when refused). */
  remaining: number;
  /** Seconds until a hit would be allowed again (0 when allowed). */
  retryAfter: number;
}

interface WindowState {
  windowStart: number;
  count: number;
  previousCount: number;
}

export class RateLimiter extends DurableObject {
  #state: WindowState | undefined;

  /**
   * Records a hit (unless it is refused) and answers whether it is within `limit` per `windowSeconds`.
   * `now` comes from the caller's injected clock.
   */
  async hit(limit: number, windowSeconds: number, now: number, cost = 1): Promise<RateLimitDecision> {
    const windowMs = windowSeconds * 1000;
    const state = await this.#load(windowMs, now);
    const elapsed = now - state.windowStart;
    const estimate = state.previousCount * ((windowMs - elapsed) / windowMs) + state.count;
    if (estimate + cost > limit) {
      const retryAfter = this.#retryAfter(state, limit, windowMs, now, cost);
      return { allowed: false, remaining: 0, retryAfter };
    }
    state.count += cost;
    await this.ctx.storage.put("w", state);
    await this.#scheduleCleanup(state.windowStart + 2 * windowMs);
    return { allowed: true, remaining: Math.max(0, Math.floor(limit - estimate - cost)), retryAfter: 0 };
  }

  /** Reads the count without recording a hit. */
  async peek(windowSeconds: number, now: number): Promise<number> {
    const windowMs = windowSeconds * 1000;
    const state = await this.#load(windowMs, now);
    const elapsed = now - state.windowStart;
    return Math.ceil(state.previousCount * ((windowMs - elapsed) / windowMs) + state.count);
  }

  /** Forgets every hit (e.g. a successful login resets the failure count). */
  async reset(): Promise<void> {
    this.#state = undefined;
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    this.#state = undefined;
    await this.ctx.storage.deleteAll();
  }

  async #load(windowMs: number, now: number): Promise<WindowState> {
    this.#state ??= (await this.ctx.storage.get<WindowState>("w")) ?? {
      windowStart: now - (now % windowMs),
      count: 0,
      previousCount: 0,
    };
    const state = this.#state;
    const currentStart = now - (now % windowMs);
    if (currentStart > state.windowStart) {
      state.previousCount = currentStart - state.windowStart === windowMs ? state.count : 0;
      state.count = 0;
      state.windowStart = currentStart;
    }
    return state;
  }

  #retryAfter(state: WindowState, limit: number, windowMs: number, now: number, cost: number): number {
    // Time until the weighted previous window has decayed enough, or the current window ends.
    const elapsed = now - state.windowStart;
    if (state.count + cost > limit) return Math.ceil((windowMs - elapsed) / 1000) || 1;
    const headroom = limit - state.count - cost;
    const decayAt = Math.min(windowMs, windowMs * (1 - headroom / Math.max(state.previousCount, 1)));
    return Math.max(1, Math.ceil((decayAt - elapsed) / 1000));
  }

  async #scheduleCleanup(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current < at) await this.ctx.storage.setAlarm(at);
  }
}
