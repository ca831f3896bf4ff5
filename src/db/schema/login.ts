import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./users";

// Login activity, device challenges and suspicious-login approvals.
/**
 * Email-OTP challenges for device approval: a 6-digit code (only its hash is stored), 5 minutes, at most 5
 * attempts; the pre-auth token names the challenge.
 */
export const deviceChallenges = sqliteTable(
  "device_challenges",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceHash: text("device_hash").notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: integer("expires_at").notNull(),
    consumedAt: integer("consumed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("device_challenges_user_idx").on(t.userId, t.createdAt)],
);

/**
 * Wrong device-approval codes per user across challenges (features/devices/code-guessing.ts): a fixed
 * 15-minute window counted by one upsert, so parallel guesses all count; the 10th locks device approval.
 */
export const deviceCodeGuards = sqliteTable("device_code_guards", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  windowStart: integer("window_start").notNull(),
  failures: integer("failures").notNull(),
  lockedUntil: integer("locked_until"),
});

// Every login attempt of a known account, shown to its owner as login activity.
export const loginEvents = sqliteTable(
  "login_events",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    outcome: text("outcome", {
      enum: [
        "success",
        "failure",
        "locked",
        "device_approval",
        "login_approval",
        "denied",
        "mfa_failed",
        "step_up",
        "step_up_failed",
        "binding_mismatch",
      ],
    }).notNull(),
    reason: text("reason"),
    ip: text("ip"),
    country: text("country"),
    city: text("city"),
    /** Coarse location and network of a login, for the suspicious-login risk check (features/login/risk/risk.ts). */
    asn: integer("asn"),
    latitude: real("latitude"),
    longitude: real("longitude"),
    device: text("device"),
    /** The risk evaluation of this attempt (features/login/risk/risk.ts): score 0..100 and a JSON array of reasons. */
    riskScore: integer("risk_score"),
    riskReasons: text("risk_reasons"),
  },
  (t) => [index("login_events_user_idx").on(t.userId, t.at)],
);

/**
 * Suspicious-login approvals: a risky login waits until its owner follows the approve or deny link from the
 * mail (single-use, 15 minutes). Only the SHA-256 of each link token is stored; `status` moves from `pending`
 * to `approved` or `denied` exactly once (one conditional update).
 */
export const loginApprovals = sqliteTable(
  "login_approvals",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceHash: text("device_hash").notNull(),
    approveHash: text("approve_hash").notNull(),
    denyHash: text("deny_hash").notNull(),
    /** JSON array of the rules that fired (new_country, impossible_travel, new_asn_device, failure_burst). */
    reasons: text("reasons").notNull(),
    status: text("status", { enum: ["pending", "approved", "denied"] })
      .notNull()
      .default("pending"),
    ip: text("ip"),
    country: text("country"),
    city: text("city"),
    expiresAt: integer("expires_at").notNull(),
    decidedAt: integer("decided_at"),
    createdAt: integer("created_at").notNull(),
    /** The user's security stamp when the login started: a reset in between voids the links. */
    securityStamp: text("security_stamp").notNull().default(""),
  },
  (t) => [
    uniqueIndex("login_approvals_approve_unique").on(t.approveHash),
    uniqueIndex("login_approvals_deny_unique").on(t.denyHash),
    index("login_approvals_user_idx").on(t.userId, t.createdAt),
  ],
);
