import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// The email outbox, the suppression list, the providers' delivery events and the development mailbox.
/**
 * The email outbox: one row per mail, written in the same D1 batch as the change that causes it, so a mail
 * is never lost between "committed" and "queued". The payload (which may carry one-time links) is encrypted
 * at rest. Status moves queued → sending → sent, or → failed (retrying) → dead, or → suppressed (the address is on
 * the suppression list: never sent). `provider` names who took it (failover: docs/email-delivery.md);
 * `deliveryStatus` is the last delivery event its provider reported (delivered, delayed, bounced, …).
 */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    template: text("template").notNull(),
    toAddress: text("to_address").notNull(),
    payload: text("payload").notNull(),
    status: text("status", {
      enum: ["queued", "sending", "sent", "failed", "dead", "suppressed"],
    }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    leaseUntil: integer("lease_until"),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
    provider: text("provider"),
    deliveryStatus: text("delivery_status", {
      enum: ["delivered", "delayed", "soft_bounced", "bounced", "complained"],
    }),
  },
  (t) => [
    index("email_outbox_status_idx").on(t.status, t.updatedAt),
    index("email_outbox_provider_message_idx").on(t.providerMessageId),
  ],
);

/**
 * Addresses not to mail again: a hard bounce or a spam complaint reported by a provider's webhook puts one here
 * until a platform admin lifts it. The address is stored as a keyed hash (`<key id>:<hex>`, HMAC under a key
 * derived from ENCRYPTION_KEYS, looked up under every configured key) plus a masked form for display.
 */
export const emailSuppressions = sqliteTable(
  "email_suppressions",
  {
    id: text("id").primaryKey(),
    addressHash: text("address_hash").notNull(),
    maskedAddress: text("masked_address").notNull(),
    reason: text("reason", { enum: ["hard_bounce", "complaint"] }).notNull(),
    provider: text("provider").notNull(),
    /** The outbox row of the mail that bounced, when the event named it. */
    outboxId: text("outbox_id"),
    /** Hard bounces and complaints reported for the address since it was suppressed. */
    events: integer("events").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("email_suppressions_address_idx").on(t.addressHash),
    index("email_suppressions_created_idx").on(t.createdAt, t.id),
  ],
);

/** The providers' webhook events already handled (a redelivered event changes nothing); kept 30 days. */
export const emailEvents = sqliteTable(
  "email_events",
  {
    provider: text("provider").notNull(),
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.eventId] }),
    index("email_events_received_idx").on(t.receivedAt),
  ],
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
