import { createApp } from "./app";
import { getDb } from "./db/client";
import { consumeDeadLetters, consumeEmailBatch } from "./email/consumer";
import { sweepOutbox } from "./email/outbox";
import { pruneDevMail } from "./email/providers/mailbox-store";
import type { EmailQueueMessage } from "./email/types";
import { bootstrapAdmin } from "./features/admin/bootstrap";
import { fakeOutboundFetch } from "./features/dev/fake-outbound";
import { purgeExpiredRegistrations, reencryptMfaSecrets } from "./features/maintenance/maintenance";
import { type Env, isDevelopment, parseConfig } from "./platform/config";
import { createContext, outboxDeps } from "./platform/context";
import { type Deps, defaultDeps } from "./platform/deps";
import { logger } from "./platform/logger";

export interface WorkerOptions {
  /** Production deps; default: the real clock, CSPRNG and network. */
  deps?: Deps;
  /** Deps for development/test environments; default: as production, but outbound calls hit local fakes. */
  devDeps?: Deps;
}

/**
 * The Worker: HTTP (`fetch`), the email queue and its dead-letter queue (`queue`) and daily maintenance
 * (`scheduled`). Development and test environments get the local fake of the outside world.
 */
export function createWorker(options: WorkerOptions = {}) {
  const prodDeps = options.deps ?? defaultDeps;
  const devDeps = options.devDeps ?? { ...prodDeps, fetch: fakeOutboundFetch() };
  const prodApp = createApp(prodDeps);
  const devApp = createApp(devDeps);
  const isProd = (env: Env) => env.ENVIRONMENT === "production";

  return {
    fetch(request, env, ctx) {
      return (isProd(env) ? prodApp : devApp).fetch(request, env, ctx);
    },

    async queue(batch, env, _ctx) {
      const deps = isProd(env) ? prodDeps : devDeps;
      const parsed = parseConfig(env);
      if (!parsed.ok) {
        logger.error("queue: configuration invalid; retrying later", { variables: parsed.variables });
        batch.retryAll({ delaySeconds: 60 });
        return;
      }
      const consumerDeps = { ...deps, db: getDb(env.DB), config: parsed.config };
      if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, consumerDeps);
      else await consumeEmailBatch(batch, consumerDeps);
    },

    async scheduled(_controller, env, ctx) {
      const parsed = parseConfig(env);
      if (!parsed.ok) {
        logger.error("scheduled: configuration invalid", { variables: parsed.variables });
        return;
      }
      const s = createContext(isProd(env) ? prodDeps : devDeps, { env, config: parsed.config });
      ctx.waitUntil(
        (async () => {
          await bootstrapAdmin(s);
          const purged = await purgeExpiredRegistrations(s);
          const reencrypted = await reencryptMfaSecrets(s);
          const resent = await sweepOutbox(outboxDeps(s));
          if (isDevelopment(s.config)) await pruneDevMail(s.db, s.now() - 7 * 86400_000);
          logger.info("maintenance done", { purged, resent, reencrypted });
        })(),
      );
    },
  } satisfies ExportedHandler<Env, EmailQueueMessage>;
}
