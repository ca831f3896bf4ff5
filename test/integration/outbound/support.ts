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

/**
 * The context's CIRCUIT_BREAKER binding, wrapped to record every Durable Object call made through it (the cost
 * of a call in each state, docs/failure-isolation.md).
 */
export function countDurableObjectCalls(ctx: BreakerContext): string[] {
  const calls: string[] = [];
  const ns = ctx.env.CIRCUIT_BREAKER;
  const counted = {
    idFromName: (name: string) => ns.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = ns.get(id);
      return new Proxy(stub, {
        get(target, property) {
          if (typeof property !== "string" || !["admit", "report", "peek"].includes(property)) {
            return Reflect.get(target, property);
          }
          return (...args: unknown[]) => {
            calls.push(property);
            // An RPC stub's methods are proxies too (`.apply` would be a remote call): call it as a method.
            return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[property]?.(...args);
          };
        },
      });
    },
  } as unknown as typeof ns;
  ctx.env = { ...ctx.env, CIRCUIT_BREAKER: counted };
  return calls;
}
