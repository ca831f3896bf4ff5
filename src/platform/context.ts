import type { Argon2Params } from "../crypto/password";
import { type Db, getDb } from "../db/client";
import type { OutboxDeps } from "../email/outbox";
import type { Config, Env } from "./config";
import type { Deps } from "./deps";
import type { RateLimitDeps } from "./rate-limits";

/** What a service needs for one request: storage bindings, the parsed config and the injected world. */
export interface ServiceDeps extends Deps {
  db: Db;
  env: Env;
  config: Config;
}

export function serviceDeps(deps: Deps, env: Env, config: Config): ServiceDeps {
  return { ...deps, db: getDb(env.DB), env, config };
}

export function outboxDeps(s: ServiceDeps): OutboxDeps {
  return {
    db: s.db,
    queue: s.env.EMAIL_QUEUE,
    encryptionKeys: s.config.ENCRYPTION_KEYS,
    now: s.now,
    random: s.random,
  };
}

export function rateLimitDeps(s: ServiceDeps): RateLimitDeps {
  return { limiter: s.env.RATE_LIMITER, now: s.now };
}

export function argon2Params(config: Config): Argon2Params {
  return {
    memoryKiB: config.ARGON2_MEMORY_KIB,
    iterations: config.ARGON2_ITERATIONS,
    parallelism: config.ARGON2_PARALLELISM,
  };
}
