import type { BatchItem } from "../../db/client";
import { findOutboxForEvent, setOutboxDelivery } from "../../email/store";
import type { RequestContext } from "../../platform/context";
import { newId } from "../../platform/ids";
import { logger, maskEmail } from "../../platform/logger";
import { countMetric } from "../../platform/metrics";
import { commit } from "../../platform/unit-of-work";
import { suppressionKey, suppressionLookups } from "./address-key";
import type { EmailEvent, EmailEventKind } from "./events";
import {
  countSuppressionEvent,
  findEvent,
  findSuppression,
  insertEvent,
  insertSuppression,
  pruneEvents,
} from "./store";

/**
 * What a provider's delivery event changes (docs/email-delivery.md, "Bounces and complaints"): in one D1 batch,
 * the event's id (a redelivered event is found there and changes nothing), the mail's last delivery status
 * (matched by the provider's message id), and — for a hard bounce or a complaint — the address on the
 * suppression list with its audit entry. Soft bounces, deliveries and delays are only recorded and counted.
 */
export type EmailEventProvider = "resend" | "postmark";

/** How long handled event ids are kept: longer than any provider retries a webhook (Svix: about 1 day). */
const EVENT_MEMORY_MS = 30 * 86400_000;
const PRUNE_PER_CALL = 100;

const DELIVERY: Record<EmailEventKind, "delivered" | "delayed" | "soft_bounced" | "bounced" | "complained"> =
  {
    delivered: "delivered",
    delayed: "delayed",
    soft_bounce: "soft_bounced",
    hard_bounce: "bounced",
    complaint: "complained",
  };

export async function recordEmailEvent(
  ctx: RequestContext,
  input: { provider: EmailEventProvider; event: EmailEvent },
): Promise<{ duplicate: boolean }> {
  const { provider, event } = input;
  if (await findEvent(ctx.db, provider, event.eventId)) return { duplicate: true };
  const now = ctx.now();
  const mail = await findOutboxForEvent(ctx.db, event);
  const address = mail?.toAddress ?? event.address;
  const writes: BatchItem<"sqlite">[] = [
    insertEvent(ctx.db, { provider, eventId: event.eventId, type: event.kind, receivedAt: now }),
    ...(mail ? [setOutboxDelivery(ctx.db, mail.id, now, DELIVERY[event.kind])] : []),
  ];
  const suppresses = event.kind === "hard_bounce" || event.kind === "complaint";
  let audit: Parameters<typeof commit>[1]["audit"];
  if (suppresses && address) {
    const keys = ctx.config.ENCRYPTION_KEYS;
    const existing = await findSuppression(ctx.db, await suppressionLookups(keys, address));
    const id = existing?.id ?? newId(ctx.random);
    writes.push(
      existing
        ? countSuppressionEvent(ctx.db, existing.id, now)
        : insertSuppression(ctx.db, {
            id,
            addressHash: await suppressionKey(keys, address),
            maskedAddress: maskEmail(address),
            reason: event.kind === "complaint" ? "complaint" : "hard_bounce",
            provider,
            outboxId: mail?.id ?? null,
            createdAt: now,
            updatedAt: now,
          }),
    );
    audit = {
      action: event.kind === "complaint" ? "email.complained" : "email.bounced",
      target: { type: "email_suppression", id },
      metadata: { provider, address: maskEmail(address), outboxId: mail?.id ?? null, eventId: event.eventId },
    };
  } else if (suppresses) {
    logger.warn("email event names no address and no known mail; nothing suppressed", {
      provider,
      eventId: event.eventId,
    });
  }
  try {
    await commit(ctx, { writes, ...(audit ? { audit } : {}) });
  } catch (error) {
    // The same event delivered twice at once: the other delivery's batch won (the primary key refused ours).
    if (isDuplicateEvent(error)) {
      return { duplicate: true };
    }
    throw error;
  }
  countMetric("gatehouse_email_events_total", { provider, kind: event.kind });
  ctx.waitUntil(
    pruneEvents(ctx.db, now - EVENT_MEMORY_MS, PRUNE_PER_CALL).catch((error: unknown) =>
      logger.warn("email events prune failed", { error }),
    ),
  );
  return { duplicate: false };
}

function isDuplicateEvent(error: unknown): boolean {
  const texts = [error, (error as { cause?: unknown } | null)?.cause].map((e) =>
    e instanceof Error ? e.message : String(e),
  );
  return texts.some((text) => text.includes("UNIQUE constraint failed: email_events"));
}
