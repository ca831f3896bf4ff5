import { httpEmailProvider } from "../../email/providers/http";
import { mailboxProvider } from "../../email/providers/mailbox";
import { claimOutbox, markOutboxDead, markOutboxFailed, markOutboxSent } from "../../email/store";
import { renderEmail } from "../../email/templates";
import { type EmailProvider, EmailProviderError, type EmailQueueMessage } from "../../email/types";
import type { RequestContext } from "../../platform/context";
import { logger, maskEmail } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";

/**
 * The consumer side of the email pipeline. Each message is claimed in the outbox first, which makes
 * delivery idempotent: a redelivered message whose mail was sent is acknowledged without sending again.
 * Transient failures are retried with exponential backoff; after the queue's `max_retries` the platform
 * moves the message to the dead-letter queue, whose consumer marks the outbox row `dead` (the encrypted
 * payload stays there for an operator). Permanent failures are dead-lettered at once. The queue handler
 * (worker.ts) builds the context; its client is SYSTEM_CLIENT (no request caused the work).
 */

const SEND_LEASE_MS = 60_000;

/** 10 s, 20 s, 40 s … capped at 15 minutes. `attempts` starts at 1. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 900);
}

/** The configured provider. */
function providerFor(ctx: RequestContext): EmailProvider {
  const { config } = ctx;
  if (config.EMAIL_PROVIDER === "mailbox") return mailboxProvider(ctx);
  return httpEmailProvider({
    kind: config.EMAIL_PROVIDER,
    apiKey: config.EMAIL_API_KEY ?? "",
    apiUrl: config.EMAIL_API_URL,
    fetch: ctx.fetch,
  });
}

/** Delivers a batch of the email queue; `provider` overrides the configured one (tests). */
export async function consumeEmailBatch(
  ctx: RequestContext,
  batch: MessageBatch<EmailQueueMessage>,
  provider: EmailProvider = providerFor(ctx),
): Promise<void> {
  for (const message of batch.messages) {
    await deliver(ctx, { message, provider });
  }
}

async function deliver(
  ctx: RequestContext,
  input: { message: Message<EmailQueueMessage>; provider: EmailProvider },
): Promise<void> {
  const { message, provider } = input;
  const body = message.body;
  const claim = await claimOutbox(ctx.db, body.id, ctx.now(), SEND_LEASE_MS);
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
      publicOrigin: ctx.config.PUBLIC_ORIGIN,
    });
    const result = await provider.send({
      ...rendered,
      id: body.id,
      template: body.template,
      from: ctx.config.EMAIL_FROM,
      to: body.to,
    });
    await markOutboxSent(ctx.db, body.id, ctx.now(), result.providerMessageId);
    logger.info("email sent", { id: body.id, template: body.template, to: maskEmail(body.to) });
    message.ack();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof EmailProviderError ? error.permanent : error instanceof TypeError;
    if (permanent) {
      await deadLetter(ctx, { body, reason });
      message.ack();
      return;
    }
    await markOutboxFailed(ctx.db, body.id, ctx.now(), reason);
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
  ctx: RequestContext,
  batch: MessageBatch<EmailQueueMessage>,
): Promise<void> {
  for (const message of batch.messages) {
    await deadLetter(ctx, { body: message.body, reason: "retries exhausted" });
    message.ack();
  }
}

async function deadLetter(
  ctx: RequestContext,
  input: { body: EmailQueueMessage; reason: string },
): Promise<void> {
  const { body, reason } = input;
  const changed = await markOutboxDead(ctx.db, body.id, ctx.now(), reason);
  if (!changed) return;
  logger.error("email dead-lettered", {
    id: body.id,
    template: body.template,
    to: maskEmail(body.to),
    reason,
  });
  await commit(ctx, {
    audit: {
      action: "email.dead_lettered",
      target: { type: "email", id: body.id },
      metadata: { template: body.template, reason },
    },
  });
}
