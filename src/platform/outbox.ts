import { toHex } from "../crypto/encoding";
import { type EncryptionKey, openJson, sealJson } from "../crypto/secretbox";
import type { Db } from "../db/client";
import type { OutboxRow } from "../email/store";
import { insertOutbox, staleOutbox, touchOutbox } from "../email/store";
import type { EmailData, EmailQueueMessage, EmailTemplate } from "../email/types";
import { logger } from "./logger";

/**
 * The producer side of the email pipeline. A mail is first written to the outbox in the same D1 batch as the
 * change that causes it — its address in the row, its data (which may carry one-time link tokens) sealed with
 * ENCRYPTION_KEYS — then its id alone is sent to the queue: nothing secret travels on the queue. If the queue
 * send fails, the row stays `queued` and the cron sweep dispatches it again: committed work never loses its mail.
 */
export interface OutboxDeps {
  db: Db;
  queue: Queue<EmailQueueMessage>;
  encryptionKeys: readonly EncryptionKey[];
  now: () => number;
  random: (n: number) => Uint8Array;
}

export interface PreparedEmail {
  message: EmailQueueMessage;
  statement: ReturnType<typeof insertOutbox>;
}

function outboxContext(id: string): string {
  return `email_outbox:${id}`;
}

export async function prepareEmail(
  deps: OutboxDeps,
  email: { template: EmailTemplate; to: string; data: EmailData },
): Promise<PreparedEmail> {
  const id = toHex(deps.random(16));
  const now = deps.now();
  const payload = await sealJson(email.data, deps.encryptionKeys, outboxContext(id), deps.random);
  return {
    message: { id },
    statement: insertOutbox(deps.db, {
      id,
      template: email.template,
      toAddress: email.to,
      payload,
      status: "queued",
      createdAt: now,
      updatedAt: now,
    }),
  };
}

/** Sends prepared mails to the queue; a failure is logged and left to the sweep (the rows are committed). */
export async function dispatchEmails(
  deps: Pick<OutboxDeps, "queue">,
  messages: EmailQueueMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  try {
    await deps.queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    logger.error("email queue send failed; the outbox sweep will retry", {
      ids: messages.map((m) => m.id),
      error,
    });
  }
}

/**
 * Re-dispatches mails stuck in the outbox for longer than `staleMs` (queue send failed, or a consumer died
 * mid-send). The consumer's claim makes a duplicate delivery harmless.
 */
export async function sweepOutbox(deps: OutboxDeps, staleMs = 15 * 60_000): Promise<number> {
  const rows = await staleOutbox(deps.db, deps.now() - staleMs);
  const messages: EmailQueueMessage[] = rows.map((row) => ({ id: row.id }));
  if (messages.length > 0) {
    await touchOutbox(
      deps.db,
      messages.map((m) => m.id),
      deps.now(),
    );
    await dispatchEmails(deps, messages);
  }
  return messages.length;
}

/**
 * The template data of an outbox row, opened with the key its seal names; null when it cannot be opened (an
 * unknown key, or a body already cleared after delivery).
 */
export function openOutboxData(
  row: Pick<OutboxRow, "id" | "payload">,
  keys: readonly EncryptionKey[],
): Promise<EmailData | null> {
  return openJson<EmailData>(row.payload, keys, outboxContext(row.id));
}
