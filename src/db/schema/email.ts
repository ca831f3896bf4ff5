import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The email outbox and the development mailbox.
/**
 * The email outbox: one row per mail, written in the same D1 batch as the change that causes it, so a mail
 * is never lost between "committed" and "queued". The payload (which may carry one-time links) is encrypted
 * at rest. Status moves queued → sending → sent, or → failed (retrying) → dead.
 */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toAddress: text("to_address").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["queued", "sending", "sent", "failed", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    leaseUntil: integer("lease_until"),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [index("email_outbox_status_idx").on(t.status, t.updatedAt)],
);

// Development only: the mails the dev mailbox provider "delivered".
export const devMailbox = sqliteTable(
  "dev_mailbox",
  {
    id: text("id").primaryKey(),
    toAddress: text("to_address").notNull(),
    template: text("template").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    links: text("links").notNull().default("[]"),
    codes: text("codes").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dev_mailbox_to_idx").on(t.toAddress, t.createdAt)],
);
