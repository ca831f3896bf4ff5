import { httpEmailProvider } from "../../email/providers/http";
import { mailboxProvider } from "../../email/providers/mailbox";
import { claimOutbox, markOutboxDead, markOutboxFailed, markOutboxSent } from "../../email/store";
import { renderEmail } from "../../email/templates";
import {
  type EmailProvider,
  EmailProviderError,
  type EmailQueueMessage,
  type EmailTemplate,
} from "../../email/types";
import type { RequestContext } from "../../platform/context";
import { logger, maskEmail } from "../../platform/logger";
import { countMetric, flushMetrics } from "../../platform/metrics";
import { openOutboxData } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { logoOf } from "../../ui/logo";

/**
 * The consumer side of the email pipeline. A message is only an outbox id: the address and the sealed data
 * are read from the row (a message of an earlier version that still carries them is read the same way, its
 * own copy ignored). Each message is claimed in the outbox first, which makes delivery idempotent: a
 * redelivered message whose mail was sent is acknowledged without sending again. A delivered mail's body is
 * cleared (markOutboxSent), so its link tokens do not outlive the delivery in the database.
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
  await flushMetrics({ aggregator: ctx.env.METRICS, dataset: ctx.env.METRICS_DATASET }, ctx.now());
}

async function deliver(
  ctx: RequestContext,
  input: { message: Message<EmailQueueMessage>; provider: EmailProvider },
): Promise<void> {
  const { message, provider } = input;
  const id = message.body.id;
  const claim = await claimOutbox(ctx.db, id, ctx.now(), SEND_LEASE_MS);
  if (!claim.claimed) {
    if (claim.status === "sending") {
      message.retry({ delaySeconds: Math.ceil(SEND_LEASE_MS / 1000) });
    } else {
      // sent, dead, or unknown: nothing to do (a redelivery of a finished mail).
      if (claim.status === "missing") logger.warn("email message without outbox row", { id });
      message.ack();
    }
    return;
  }
  const { row } = claim;
  const template = row.template as EmailTemplate;
  const data = await openOutboxData(row, ctx.config.ENCRYPTION_KEYS);
  if (!data) {
    // Not retried: an unknown key does not come back by waiting. The row keeps its sealed body for replay.
    await deadLetter(ctx, { id, reason: "outbox payload cannot be opened (unknown key?)" });
    message.ack();
    return;
  }
  try {
    const rendered = renderEmail(template, data, {
      productName: ctx.config.PRODUCT_NAME,
      publicOrigin: ctx.config.PUBLIC_ORIGIN,
      accentColor: ctx.config.BRAND_COLOR,
      ...(ctx.config.BRAND_LOGO ? { logoPath: logoOf(ctx.config.BRAND_LOGO)?.path } : {}),
    });
    const result = await provider.send({
      ...rendered,
      id,
      template,
      from: ctx.config.EMAIL_FROM,
      to: row.toAddress,
    });
    await markOutboxSent(ctx.db, id, ctx.now(), result.providerMessageId);
    countMetric("gatehouse_emails_total", { result: "sent" });
    logger.info("email sent", { id, template, to: maskEmail(row.toAddress) });
    message.ack();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof EmailProviderError ? error.permanent : error instanceof TypeError;
    if (permanent) {
      await deadLetter(ctx, { id, reason });
      message.ack();
      return;
    }
    await markOutboxFailed(ctx.db, id, ctx.now(), reason);
    countMetric("gatehouse_emails_total", { result: "failed" });
    const delaySeconds = retryDelaySeconds(message.attempts);
    logger.warn("email send failed; retrying", {
      id,
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
    await deadLetter(ctx, { id: message.body.id, reason: "retries exhausted" });
    message.ack();
  }
  await flushMetrics({ aggregator: ctx.env.METRICS, dataset: ctx.env.METRICS_DATASET }, ctx.now());
}

async function deadLetter(ctx: RequestContext, input: { id: string; reason: string }): Promise<void> {
  const { id, reason } = input;
  const dead = await markOutboxDead(ctx.db, id, ctx.now(), reason);
  if (!dead) return;
  countMetric("gatehouse_emails_total", { result: "dead_lettered" });
  logger.error("email dead-lettered", {
    id,
    template: dead.template,
    to: maskEmail(dead.toAddress),
    reason,
  });
  await commit(ctx, {
    audit: {
      action: "email.dead_lettered",
      target: { type: "email", id },
      metadata: { template: dead.template, reason },
    },
  });
}
