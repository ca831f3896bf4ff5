import { toHex } from "../crypto/encoding";
import { type EncryptionKey, openJson, sealJson } from "../crypto/secretbox";
import type { Db } from "../db/client";
import { insertOutbox, staleOutbox, touchOutbox } from "../email/store";
import type { EmailData, EmailQueueMessage, EmailTemplate } from "../email/types";
import { logger, maskEmail } from "./logger";

/**
 * The producer side of the email pipeline. A mail is first written to the outbox in the same D1 batch as the
 * change that causes it, then sent to the queue. If the queue send fails, the row stays `queued` and the cron
 * sweep dispatches it again: committed work never loses its mail.
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
    message: { id, template: email.template, to: email.to, data: email.data },
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
      to: messages.map((m) => maskEmail(m.to)),
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
  const messages: EmailQueueMessage[] = [];
  for (const row of rows) {
    const data = await openJson<EmailData>(row.payload, deps.encryptionKeys, outboxContext(row.id));
    if (!data) {
      logger.error("outbox payload cannot be opened (unknown key?)", { id: row.id });
      continue;
    }
    messages.push({ id: row.id, template: row.template as EmailTemplate, to: row.toAddress, data });
  }
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
