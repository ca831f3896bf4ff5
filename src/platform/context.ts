import type { Argon2Params } from "../crypto/password";
import { type Db, getDb, type RequestD1 } from "../db/client";
import { type ClientInfo, SYSTEM_CLIENT } from "./client";
import type { Config, Env } from "./config";
import type { Deps } from "./deps";
import type { OutboxDeps } from "./outbox";
import type { RateLimitDeps } from "./rate-limits";

/**
 * The request context: everything a service needs for one request, built once per request (http/middleware/
 * context.ts) or once per background run (cron, queue). Services take `(ctx, input)`: the injected world (clock,
 * random, outbound fetch), the storage bindings, the parsed configuration and who is asking.
 */
export interface RequestContext extends Deps {
  db: Db;
  /**
   * The request's D1 session (db/client.ts, docs/read-replicas.md): where its reads may be served from. `null` for
   * background work (cron, queues), which reads and writes the primary through the plain binding.
   */
  d1: RequestD1 | null;
  env: Env;
  kv: KVNamespace;
  config: Config;
  /** Where the request comes from (audit, login activity, risk); SYSTEM_CLIENT for background work. */
  client: ClientInfo;
  /**
   * Work that may finish after the response (ExecutionContext.waitUntil). Where the runtime gives no execution
   * context (tests calling services directly) the work still runs, unawaited: it must catch its own errors.
   */
  waitUntil: (work: Promise<unknown>) => void;
}

export interface ContextBindings {
  env: Env;
  config: Config;
  client?: ClientInfo;
  waitUntil?: (work: Promise<unknown>) => void;
  /** The request's D1 session; its statements run there once http/middleware/context.ts runs the request in it. */
  d1?: RequestD1;
}

export function createContext(deps: Deps, bindings: ContextBindings): RequestContext {
  return {
    now: deps.now,
    random: deps.random,
    fetch: deps.fetch,
    db: getDb(bindings.env.DB),
    d1: bindings.d1 ?? null,
    env: bindings.env,
    kv: bindings.env.KV,
    config: bindings.config,
    client: bindings.client ?? SYSTEM_CLIENT,
    waitUntil: bindings.waitUntil ?? ((work) => void work),
  };
}

export function outboxDeps(ctx: RequestContext): OutboxDeps {
  return {
    db: ctx.db,
    queue: ctx.env.EMAIL_QUEUE,
    encryptionKeys: ctx.config.ENCRYPTION_KEYS,
    now: ctx.now,
    random: ctx.random,
  };
}

export function rateLimitDeps(ctx: Pick<RequestContext, "env" | "now">): RateLimitDeps {
  return { limiter: ctx.env.RATE_LIMITER, now: ctx.now };
}

export function argon2Params(config: Config): Argon2Params {
  return {
    memoryKiB: config.ARGON2_MEMORY_KIB,
    iterations: config.ARGON2_ITERATIONS,
    parallelism: config.ARGON2_PARALLELISM,
  };
}
