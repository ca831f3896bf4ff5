import type { Db } from "../db/client";
import { audit } from "../platform/audit";
import type { Config } from "../platform/config";
import { logger, maskEmail } from "../platform/logger";
import { httpEmailProvider } from "./providers/http";
import { mailboxProvider } from "./providers/mailbox";
import { claimOutbox, markOutboxDead, markOutboxFailed, markOutboxSent } from "./store";
import { renderEmail } from "./templates";
import { type EmailProvider, EmailProviderError, type EmailQueueMessage } from "./types";

/**
 * The consumer side of the email pipeline. Each message is claimed in the outbox first, which makes
 * delivery idempotent: a redelivered message whose mail was sent is acknowledged without sending again.
 * Transient failures are retried with exponential backoff; after the queue's `max_retries` the platform
 * moves the message to the dead-letter queue, whose consumer marks the outbox row `dead` (the encrypted
 * payload stays there for an operator). Permanent failures are dead-lettered at once.
 */
export interface ConsumerDeps {
  db: Db;
  config: Config;
  fetch: typeof fetch;
  now: () => number;
  random: (n: number) => Uint8Array;
  /** Overrides the configured provider (tests). */
  provider?: EmailProvider;
}

export const SEND_LEASE_MS = 60_000;

/** 10 s, 20 s, 40 s … capped at 15 minutes. `attempts` starts at 1. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 900);
}

export function providerFor(deps: ConsumerDeps): EmailProvider {
  if (deps.provider) return deps.provider;
  const { config } = deps;
  if (config.EMAIL_PROVIDER === "mailbox") return mailboxProvider(deps);
  return httpEmailProvider({
    kind: config.EMAIL_PROVIDER,
    apiKey: config.EMAIL_API_KEY ?? "",
    apiUrl: config.EMAIL_API_URL,
    fetch: deps.fetch,
  });
}

export async function consumeEmailBatch(
  batch: MessageBatch<EmailQueueMessage>,
  deps: ConsumerDeps,
): Promise<void> {
  const provider = providerFor(deps);
  for (const message of batch.messages) {
    await deliver(message, provider, deps);
  }
}

async function deliver(
  message: Message<EmailQueueMessage>,
  provider: EmailProvider,
  deps: ConsumerDeps,
): Promise<void> {
  const body = message.body;
  const claim = await claimOutbox(deps.db, body.id, deps.now(), SEND_LEASE_MS);
  if (!claim.claimed) {
    if (claim.status === "sending") {
      message.retry({ delaySeconds: Math.ceil(SEND_LEASE_MS / 1000) });
    } else {
      // sent, dead, or unknown: nothing to do (a redelivery of a finished mail).
      if (claim.status === "missing") logger.warn("email message without outbox row", { id: body.id });
      message.ack();
    }
    return;
  }
  try {
    const rendered = renderEmail(body.template, body.data, {
      productName: "Gatehouse",
      publicOrigin: deps.config.PUBLIC_ORIGIN,
    });
    const result = await provider.send({
      ...rendered,
      id: body.id,
      template: body.template,
      from: deps.config.EMAIL_FROM,
      to: body.to,
    });
    await markOutboxSent(deps.db, body.id, deps.now(), result.providerMessageId);
    logger.info("email sent", { id: body.id, template: body.template, to: maskEmail(body.to) });
    message.ack();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof EmailProviderError ? error.permanent : error instanceof TypeError;
    if (permanent) {
      await deadLetter(deps, body, reason);
      message.ack();
      return;
    }
    await markOutboxFailed(deps.db, body.id, deps.now(), reason);
    const delaySeconds = retryDelaySeconds(message.attempts);
    logger.warn("email send failed; retrying", {
      id: body.id,
      attempts: message.attempts,
      delaySeconds,
      reason,
    });
    message.retry({ delaySeconds });
  }
}

/** The dead-letter queue's consumer: record the loss where operators see it, then acknowledge. */
export async function consumeDeadLetters(
  batch: MessageBatch<EmailQueueMessage>,
  deps: ConsumerDeps,
): Promise<void> {
  for (const message of batch.messages) {
    await deadLetter(deps, message.body, "retries exhausted");
    message.ack();
  }
}

async function deadLetter(deps: ConsumerDeps, body: EmailQueueMessage, reason: string): Promise<void> {
  const changed = await markOutboxDead(deps.db, body.id, deps.now(), reason);
  if (!changed) return;
  logger.error("email dead-lettered", {
    id: body.id,
    template: body.template,
    to: maskEmail(body.to),
    reason,
  });
  await audit(
    deps,
    { ip: null, userAgent: null },
    {
      action: "email.dead_lettered",
      target: { type: "email", id: body.id },
      metadata: { template: body.template, reason },
    },
  );
}
