import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { teams } from "./teams";

/*
 * The team-level services around the identity core: the team's Virtuozzo (Jelastic) connection, its plan and
 * spend cap, and the usage ledger. Owned by features/virtuozzo and features/plans (docs/storage.md). The team
 * event stream keeps its buffer in its Durable Object (durable-objects/team-events.ts), not in D1.
 */

/**
 * A team's Virtuozzo connection (one per team). The credential (`{ login, password }` or `{ token }`) and the
 * current session key are sealed with AES-256-GCM under the versioned ENCRYPTION_KEYS (crypto/secretbox.ts),
 * each bound to the team and its purpose. `generation` grows with every PUT, so a session key cached for an
 * earlier credential (in the team's VirtuozzoSession Durable Object) is never served for a newer one.
 */
export const virtuozzoConnections = sqliteTable("virtuozzo_connections", {
  teamId: text("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  apiUrl: text("api_url").notNull(),
  authKind: text("auth_kind", { enum: ["password", "token"] }).notNull(),
  /** Sealed JSON credential; never returned, never logged. */
  credential: text("credential").notNull(),
  /** Sealed current session key (null after a rejected sign-in or before the first one). */
  sessionKey: text("session_key"),
  sessionExpiresAt: integer("session_expires_at"),
  /** The provider's session lifetime in seconds (Virtuozzo publishes none): default 86400. */
  sessionTtlSeconds: integer("session_ttl_seconds").notNull().default(86400),
  /** The account's `groupType` from getaccount (`trial`, `billing`, …). */
  groupType: text("group_type"),
  /** `reauth_required` once Virtuozzo rejected the stored credential: the team sees `connected: false`. */
  status: text("status", { enum: ["connected", "reauth_required"] }).notNull(),
  generation: integer("generation").notNull().default(1),
  connectedBy: text("connected_by").notNull(),
  connectedAt: integer("connected_at").notNull(),
  lastRefreshAt: integer("last_refresh_at"),
  lastFailureAt: integer("last_failure_at"),
  /** A failure code (`unavailable`, `rejected`), never the provider's message or a secret. */
  lastFailure: text("last_failure"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * A team's plan and spend cap. No row means FREE without a cap. Money is integer micro-USD
 * (1 USD = 1,000,000), so sums never round.
 */
export const teamBilling = sqliteTable("team_billing", {
  teamId: text("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  plan: text("plan", { enum: ["FREE", "PRO"] })
    .notNull()
    .default("FREE"),
  /** Monthly cap in micro-USD; null: no cap. */
  monthlyCapMicros: integer("monthly_cap_micros"),
  hardStop: integer("hard_stop", { mode: "boolean" }).notNull().default(false),
  warnAtPercent: integer("warn_at_percent").notNull().default(80),
  updatedBy: text("updated_by"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The usage ledger: one row per recorded spend (history; the month-to-date total that a hard cap checks lives in
 * the team's Durable Object, which makes check-and-add atomic). `month` is the UTC month `YYYY-MM`; a repeated
 * `Idempotency-Key` of the team finds its first row and counts once.
 */
export const usageRecords = sqliteTable(
  "usage_records",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    idempotencyKey: text("idempotency_key").notNull(),
    month: text("month").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    description: text("description").notNull(),
    /** The month-to-date total after this record. */
    monthToDateMicros: integer("month_to_date_micros").notNull(),
    actorId: text("actor_id"),
    apiKeyId: text("api_key_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("usage_records_idempotency_unique").on(t.teamId, t.idempotencyKey),
    index("usage_records_team_month_idx").on(t.teamId, t.month, t.createdAt),
  ],
);

/** Spend warnings already sent: at most one per team, UTC month and kind (`warn` at warnAtPercent, `cap` at 100 %). */
export const spendWarnings = sqliteTable(
  "spend_warnings",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    kind: text("kind", { enum: ["warn", "cap"] }).notNull(),
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.month, t.kind] })],
);
