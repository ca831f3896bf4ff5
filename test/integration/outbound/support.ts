import { env } from "cloudflare:test";
import { type Config, type Env, parseConfig } from "../../../src/platform/config";
import type { BreakerContext } from "../../../src/platform/outbound/breaker";
import { testClock } from "../../support/helpers";

/**
 * A breaker context over the real CIRCUIT_BREAKER binding, with an injected clock and a waitUntil whose work the
 * test can await (`settled()`), so "reported after the response" is observable.
 */
export function breakerWorld(vars: Partial<Record<keyof Config, string>> = {}) {
  const parsed = parseConfig({ ...(env as unknown as Env), ...vars });
  if (!parsed.ok) throw new Error(`config: ${parsed.variables.join(", ")}`);
  const clock = testClock();
  const pending: Promise<unknown>[] = [];
  const ctx: BreakerContext = {
    env: env as unknown as Env,
    now: clock.now,
    config: parsed.config,
    waitUntil: (work) => void pending.push(work),
  };
  async function settled(): Promise<void> {
    while (pending.length) await Promise.all(pending.splice(0));
  }
  return { ctx, clock, settled };
}

/** A dependency name no other test uses (breakers are per name, and the isolate caches them). */
export function uniqueDependency(): string {
  return `test:${crypto.randomUUID()}`;
}

/** The breaker's state as its Durable Object holds it. */
export function breakerView(name: string, now: number) {
  const ns = (env as unknown as Env).CIRCUIT_BREAKER;
  return ns.get(ns.idFromName(name)).peek(name, now);
}
