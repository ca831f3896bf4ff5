import {
  claimOutbox,
  markOutboxDead,
  markOutboxFailed,
  markOutboxSent,
  markOutboxSuppressed,
} from "../../email/store";
import { renderEmail } from "../../email/templates";
import type { EmailQueueMessage, EmailTemplate, OutgoingEmail } from "../../email/types";
import type { RequestContext } from "../../platform/context";
import { logger, maskEmail } from "../../platform/logger";
import { countMetric, flushMetrics } from "../../platform/metrics";
import { openOutboxData } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { logoOf } from "../../ui/logo";
import { suppressionOf } from "../email-events/suppressions";
import { type FailoverOutcome, type Guard, type ProviderSlot, sendWithFailover } from "./failover";
import { breakerGuard, providerName, providerSlots } from "./providers";

/**
 * The consumer side of the email pipeline. A message is only an outbox id: the address and the sealed data
 * are read from the row (a message of an earlier version that still carries them is read the same way, its
 * own copy ignored). Each message is claimed in the outbox first, which makes delivery idempotent: a
 * redelivered message whose mail was sent is acknowledged without sending again. A delivered mail's body is
 * cleared (markOutboxSent), so its link tokens do not outlive the delivery in the database.
 * A mail to an address on the suppression list (features/email-events) is not sent: its row becomes `suppressed`.
 * The mail goes to the primary provider, and to the secondary at once when the primary is down (its circuit
 * breaker open, or a failure that is the provider's fault: failover.ts); the row records which one took it.
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

/** Delivers a batch of the email queue through the configured providers, each under its circuit breaker. */
export async function consumeEmailBatch(
  ctx: RequestContext,
  batch: MessageBatch<EmailQueueMessage>,
): Promise<void> {
  const senders = { slots: providerSlots(ctx), guard: breakerGuard(ctx) };
  for (const message of batch.messages) {
    await deliver(ctx, { message, ...senders });
  }
  await flushMetrics({ aggregator: ctx.env.METRICS, dataset: ctx.env.METRICS_DATASET }, ctx.now());
}

async function deliver(
  ctx: RequestContext,
  input: { message: Message<EmailQueueMessage>; slots: readonly ProviderSlot[]; guard: Guard },
): Promise<void> {
  const { message } = input;
  const id = message.body.id;
  const claim = await claimOutbox(ctx.db, id, ctx.now(), SEND_LEASE_MS);
  if (!claim.claimed) {
    if (claim.status === "sending") {
      message.retry({ delaySeconds: Math.ceil(SEND_LEASE_MS / 1000) });
    } else {
      // sent, dead, suppressed, or unknown: nothing to do (a redelivery of a finished mail).
      if (claim.status === "missing") logger.warn("email message without outbox row", { id });
      message.ack();
    }
    return;
  }
  const { row } = claim;
  const template = row.template as EmailTemplate;
  if (await suppressionOf(ctx, row.toAddress)) {
    await markOutboxSuppressed(ctx.db, id, ctx.now());
    countMetric("gatehouse_emails_total", { result: "suppressed" });
    logger.info("email suppressed", { id, template, to: maskEmail(row.toAddress) });
    message.ack();
    return;
  }
  const data = await openOutboxData(row, ctx.config.ENCRYPTION_KEYS);
  if (!data) {
    // Not retried: an unknown key does not come back by waiting. The row keeps its sealed body for replay.
    await deadLetter(ctx, { id, reason: "outbox payload cannot be opened (unknown key?)" });
    message.ack();
    return;
  }
  let email: OutgoingEmail;
  try {
    const rendered = renderEmail(template, data, {
      productName: ctx.config.PRODUCT_NAME,
      publicOrigin: ctx.config.PUBLIC_ORIGIN,
      accentColor: ctx.config.BRAND_COLOR,
      ...(ctx.config.BRAND_LOGO ? { logoPath: logoOf(ctx.config.BRAND_LOGO)?.path } : {}),
    });
    email = { ...rendered, id, template, from: ctx.config.EMAIL_FROM, to: row.toAddress };
  } catch (error) {
    // A template that cannot render this data will not render it later either.
    await deadLetter(ctx, { id, reason: `render failed: ${(error as Error).message}` });
    message.ack();
    return;
  }
  const outcome = await sendWithFailover(input.slots, email, input.guard);
  countProviderResults(outcome);
  switch (outcome.result) {
    case "sent": {
      const provider = providerName(outcome.dependency);
      await markOutboxSent(ctx.db, id, ctx.now(), { providerMessageId: outcome.providerMessageId, provider });
      countMetric("gatehouse_emails_total", { result: "sent" });
      logger.info("email sent", {
        id,
        template,
        to: maskEmail(row.toAddress),
        provider,
        ...(outcome.skipped.length > 0 ? { failedOver: outcome.skipped.map(describeSkipped) } : {}),
      });
      message.ack();
      return;
    }
    case "rejected":
      // The message's fault (a bad address or content): no provider will take it, so it is not failed over.
      await deadLetter(ctx, { id, reason: `${providerName(outcome.dependency)}: ${outcome.detail}` });
      message.ack();
      return;
    case "unavailable": {
      const reason = outcome.skipped.map(describeSkipped).join("; ") || "no email provider";
      await markOutboxFailed(ctx.db, id, ctx.now(), reason);
      countMetric("gatehouse_emails_total", { result: "failed" });
      const delaySeconds = retryDelaySeconds(message.attempts);
      logger.warn("email send failed on every provider; retrying", {
        id,
        attempts: message.attempts,
        delaySeconds,
        reason,
      });
      message.retry({ delaySeconds });
      return;
    }
  }
}

function describeSkipped(skipped: { dependency: string; reason: string; detail: string }): string {
  const name = providerName(skipped.dependency);
  return skipped.reason === "open" ? `${name}: circuit open` : `${name}: ${skipped.detail}`;
}

/** Per-provider results (`gatehouse_email_provider_results_total`): the providers' health as the consumer saw it. */
function countProviderResults(outcome: FailoverOutcome): void {
  for (const skipped of outcome.skipped) {
    countMetric("gatehouse_email_provider_results_total", {
      provider: providerName(skipped.dependency),
      result: skipped.reason === "failure" ? "failed" : skipped.reason,
    });
  }
  if (outcome.result !== "unavailable") {
    countMetric("gatehouse_email_provider_results_total", {
      provider: providerName(outcome.dependency),
      result: outcome.result,
    });
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
