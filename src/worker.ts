import { createApp } from "./app";
import { pruneDevMail } from "./email/providers/mailbox-store";
import type { EmailQueueMessage } from "./email/types";
import { bootstrapAdmin } from "./features/admin/bootstrap";
import { purgeExpiredAuditLogs } from "./features/audit/retention";
import { fakeOutboundFetch } from "./features/dev/fake-outbound";
import { consumeDeadLetters, consumeEmailBatch } from "./features/email-delivery/consumer";
import { runHousekeeping } from "./features/maintenance/housekeeping";
import { purgeExpiredRegistrations, reencryptMfaSecrets } from "./features/maintenance/maintenance";
import { rotateSigningKeysIfDue } from "./features/signing-keys/service";
import { consumeImportBatch, type ImportQueueMessage, isImportQueue } from "./features/user-import/queue";
import { resealVirtuozzoSecrets } from "./features/virtuozzo/resealing";
import { type Env, isDevelopment, parseConfig } from "./platform/config";
import { createContext, outboxDeps } from "./platform/context";
import { type Deps, defaultDeps } from "./platform/deps";
import { logger } from "./platform/logger";
import { sweepOutbox } from "./platform/outbox";

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

    async queue(batch, env, execution) {
      const deps = isProd(env) ? prodDeps : devDeps;
      const parsed = parseConfig(env);
      if (!parsed.ok) {
        logger.error("queue: configuration invalid; retrying later", { variables: parsed.variables });
        batch.retryAll({ delaySeconds: 60 });
        return;
      }
      // waitUntil: the circuit breakers' outcome reports of the email providers outlive the batch's handler.
      const ctx = createContext(deps, {
        env,
        config: parsed.config,
        waitUntil: (work) => execution.waitUntil(work),
      });
      if (isImportQueue(batch.queue))
        await consumeImportBatch(ctx, batch as MessageBatch<ImportQueueMessage>);
      else if (batch.queue.endsWith("-dlq"))
        await consumeDeadLetters(ctx, batch as MessageBatch<EmailQueueMessage>);
      else await consumeEmailBatch(ctx, batch as MessageBatch<EmailQueueMessage>);
    },

    async scheduled(_controller, env, execution) {
      const parsed = parseConfig(env);
      if (!parsed.ok) {
        logger.error("scheduled: configuration invalid", { variables: parsed.variables });
        return;
      }
      const ctx = createContext(isProd(env) ? prodDeps : devDeps, { env, config: parsed.config });
      execution.waitUntil(
        (async () => {
          await bootstrapAdmin(ctx);
          const purged = await purgeExpiredRegistrations(ctx);
          const reencrypted = {
            totp: await reencryptMfaSecrets(ctx),
            virtuozzo: await resealVirtuozzoSecrets(ctx),
          };
          const retention = await purgeExpiredAuditLogs(ctx);
          const resent = await sweepOutbox(outboxDeps(ctx));
          const signingKeys = await rotateSigningKeysIfDue(ctx).catch((error) => {
            logger.error("signing-key rotation failed", { error });
            return null;
          });
          const housekeeping = await runHousekeeping(ctx);
          if (isDevelopment(ctx.config)) await pruneDevMail(ctx.db, ctx.now() - 7 * 86400_000);
          logger.info("maintenance done", {
            purged,
            resent,
            reencrypted,
            retention,
            signingKeys,
            housekeeping,
          });
        })(),
      );
    },
  } satisfies ExportedHandler<Env, EmailQueueMessage | ImportQueueMessage>;
}
