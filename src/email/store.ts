import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { emailOutbox } from "../db/tables";

export type OutboxRow = typeof emailOutbox.$inferSelect;

export function insertOutbox(db: Db, row: typeof emailOutbox.$inferInsert) {
  return db.insert(emailOutbox).values(row);
}

export type ClaimResult =
  | { claimed: true; row: OutboxRow }
  | { claimed: false; status: OutboxRow["status"] | "missing" };

/**
 * Claims a mail for sending with a lease, in one conditional write: a redelivered message finds the row
 * `sent` (and is acknowledged without sending), or `sending` under another live lease (and waits).
 */
export async function claimOutbox(db: Db, id: string, now: number, leaseMs: number): Promise<ClaimResult> {
  const row = await db
    .update(emailOutbox)
    .set({
      status: "sending",
      leaseUntil: now + leaseMs,
      attempts: sql`${emailOutbox.attempts} + 1`,
      updatedAt: now,
    })
    .where(
      and(
        eq(emailOutbox.id, id),
        or(
          inArray(emailOutbox.status, ["queued", "failed"]),
          and(eq(emailOutbox.status, "sending"), lt(emailOutbox.leaseUntil, now)),
        ),
      ),
    )
    .returning()
    .get();
  if (row) return { claimed: true, row };
  const current = await db
    .select({ status: emailOutbox.status })
    .from(emailOutbox)
    .where(eq(emailOutbox.id, id))
    .get();
  return { claimed: false, status: current?.status ?? "missing" };
}

/**
 * The payload of a delivered mail: its body is cleared once sent, so the database no longer holds the link
 * tokens it carried (the column is NOT NULL).
 */
export const CLEARED_PAYLOAD = "";

export function markOutboxSent(
  db: Db,
  id: string,
  now: number,
  sent: { providerMessageId: string | null; provider: string },
) {
  return db
    .update(emailOutbox)
    .set({
      status: "sent",
      payload: CLEARED_PAYLOAD,
      sentAt: now,
      updatedAt: now,
      leaseUntil: null,
      lastError: null,
      providerMessageId: sent.providerMessageId,
      provider: sent.provider,
    })
    .where(eq(emailOutbox.id, id));
}

/**
 * A mail to a suppressed address: final, never sent. Its body is cleared like a sent one's (its link tokens have
 * no reader); a mail after the suppression is lifted is a new row.
 */
export function markOutboxSuppressed(db: Db, id: string, now: number) {
  return db
    .update(emailOutbox)
    .set({ status: "suppressed", payload: CLEARED_PAYLOAD, updatedAt: now, leaseUntil: null })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, "sending")));
}

export function markOutboxFailed(db: Db, id: string, now: number, error: string) {
  return db
    .update(emailOutbox)
    .set({ status: "failed", updatedAt: now, leaseUntil: null, lastError: error.slice(0, 500) })
    .where(and(eq(emailOutbox.id, id), inArray(emailOutbox.status, ["sending", "queued", "failed"])));
}

/**
 * Dead-letters a mail (the payload stays, encrypted, for an operator to replay). Returns what the log and the
 * audit entry name, or undefined when the mail was already finished.
 */
export function markOutboxDead(
  db: Db,
  id: string,
  now: number,
  error: string,
): Promise<Pick<OutboxRow, "id" | "template" | "toAddress"> | undefined> {
  return db
    .update(emailOutbox)
    .set({ status: "dead", updatedAt: now, leaseUntil: null, lastError: error.slice(0, 500) })
    .where(and(eq(emailOutbox.id, id), inArray(emailOutbox.status, ["queued", "sending", "failed"])))
    .returning({ id: emailOutbox.id, template: emailOutbox.template, toAddress: emailOutbox.toAddress })
    .get();
}

export function findOutbox(db: Db, id: string): Promise<OutboxRow | undefined> {
  return db.select().from(emailOutbox).where(eq(emailOutbox.id, id)).get();
}

/** Mails that were written but never (or no longer) reached the queue: re-dispatched by the cron sweep. */
export function staleOutbox(db: Db, olderThan: number, limit = 100): Promise<{ id: string }[]> {
  return db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(
      and(
        lt(emailOutbox.updatedAt, olderThan),
        or(
          inArray(emailOutbox.status, ["queued", "failed"]),
          and(eq(emailOutbox.status, "sending"), lt(emailOutbox.leaseUntil, olderThan)),
        ),
      ),
    )
    .limit(limit);
}

export function touchOutbox(db: Db, ids: string[], now: number) {
  return db.update(emailOutbox).set({ updatedAt: now }).where(inArray(emailOutbox.id, ids));
}

/** The mail a provider's delivery event is about: by the provider's message id, else the outbox id it echoed. */
export function findOutboxForEvent(
  db: Db,
  keys: { providerMessageId: string | null; outboxId: string | null },
): Promise<Pick<OutboxRow, "id" | "toAddress" | "provider"> | undefined> {
  const match = [
    ...(keys.providerMessageId ? [eq(emailOutbox.providerMessageId, keys.providerMessageId)] : []),
    ...(keys.outboxId ? [eq(emailOutbox.id, keys.outboxId)] : []),
  ];
  if (match.length === 0) return Promise.resolve(undefined);
  return db
    .select({ id: emailOutbox.id, toAddress: emailOutbox.toAddress, provider: emailOutbox.provider })
    .from(emailOutbox)
    .where(or(...match))
    .get();
}

/** Records the last delivery event of a mail (delivered, delayed, bounced, …). */
export function setOutboxDelivery(
  db: Db,
  id: string,
  now: number,
  deliveryStatus: NonNullable<OutboxRow["deliveryStatus"]>,
) {
  return db.update(emailOutbox).set({ deliveryStatus, updatedAt: now }).where(eq(emailOutbox.id, id));
}
