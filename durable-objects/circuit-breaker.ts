import { DurableObject } from "cloudflare:workers";
import {
  type Admission,
  admit,
  BREAKER_REGISTRY,
  type BreakerRecord,
  type BreakerSettings,
  type BreakerSnapshot,
  initialRecord,
  type Outcome,
  report,
  snapshot,
  type Transition,
} from "../src/platform/outbound/breaker-state";

/**
 * One outbound dependency's circuit breaker (src/platform/outbound/breaker.ts): one object per dependency name
 * (`idFromName("turnstile")`, `idFromName("virtuozzo:app.example.com")`), so every isolate everywhere shares one
 * state and exactly one caller can hold the half-open probe lease. The clock and the settings come from the
 * caller (the Worker's injected clock and configuration), as with RateLimiter.
 *
 * The object named BREAKER_REGISTRY is the registry of names instead: each breaker registers its name there
 * once, so `/health/ready`'s detail can list the Virtuozzo hosts seen without scanning anything.
 */
export class CircuitBreaker extends DurableObject {
  #record: BreakerRecord | undefined;
  #named = false;

  async #load(name: string): Promise<BreakerRecord> {
    if (this.#record === undefined) {
      this.#record = (await this.ctx.storage.get<BreakerRecord>("record")) ?? initialRecord();
      this.#named = (await this.ctx.storage.get("name")) !== undefined;
    }
    if (!this.#named) {
      // First use of this breaker: its name goes into the registry (a list for the health detail; failing to
      // register never fails a call, the next call retries).
      const registry = (this.env as { CIRCUIT_BREAKER: DurableObjectNamespace<CircuitBreaker> })
        .CIRCUIT_BREAKER;
      try {
        await registry.get(registry.idFromName(BREAKER_REGISTRY)).register(name);
        await this.ctx.storage.put("name", name);
        this.#named = true;
      } catch {
        // retried at the next call
      }
    }
    return this.#record;
  }

  async #save(record: BreakerRecord): Promise<void> {
    this.#record = record;
    await this.ctx.storage.put("record", record);
  }

  /** Admits a call (pass, the probe, or reject) and answers the state as of `now`. */
  async admit(
    name: string,
    now: number,
    leaseMs: number,
  ): Promise<{ admission: Admission; snapshot: BreakerSnapshot }> {
    const before = await this.#load(name);
    const { record, admission } = admit(before, now, { leaseMs, probeId: crypto.randomUUID() });
    if (record !== before) await this.#save(record);
    return { admission, snapshot: snapshot(record, now) };
  }

  /** Records a call's outcome; answers the transition it caused (if any) and the new state. */
  async report(
    name: string,
    now: number,
    outcome: Outcome,
    settings: BreakerSettings,
  ): Promise<{ transition: Transition; snapshot: BreakerSnapshot }> {
    const { record, transition } = report(await this.#load(name), now, outcome, settings);
    await this.#save(record);
    return { transition, snapshot: snapshot(record, now) };
  }

  /** The state as of `now`, without admitting anything. */
  async peek(name: string, now: number): Promise<BreakerSnapshot> {
    return snapshot(await this.#load(name), now);
  }

  /** Registry object only: remembers a dependency name (bounded: names come from configuration and hosts seen). */
  async register(name: string): Promise<void> {
    await this.ctx.storage.put(`n:${name.slice(0, 200)}`, 1);
  }

  /** Registry object only: every name registered, sorted. */
  async names(): Promise<string[]> {
    const entries = await this.ctx.storage.list({ prefix: "n:", limit: 1000 });
    return [...entries.keys()].map((k) => k.slice(2)).sort();
  }
}
