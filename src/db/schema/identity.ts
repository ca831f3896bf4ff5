import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The D1 schema. `npm run db:generate` turns changes here into a new SQL migration under migrations/, which
 * wrangler (`wrangler d1 migrations apply`) and the tests (test/setup.ts) both apply. Times are epoch ms.
 */

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Lower-cased, NFKC-normalised; unique. */
    email: text("email").notNull(),
    name: text("name"),
    /** Argon2id PHC string. */
    passwordHash: text("password_hash").notNull(),
    emailVerifiedAt: integer("email_verified_at"),
    passwordMustChange: integer("password_must_change", { mode: "boolean" }).notNull().default(false),
    /** Consecutive failed password attempts; reset by a successful login. */
    failedLoginCount: integer("failed_login_count").notNull().default(0),
    /** Account lockout (5 consecutive failures → 5 minutes). */
    lockedUntil: integer("locked_until"),
    /** Set by an admin: the account cannot sign in. */
    disabledAt: integer("disabled_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    lastLoginAt: integer("last_login_at"),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email), index("users_created_at_idx").on(t.createdAt)],
);

/** Platform roles (admin, support, billing_admin), separate from team roles. */
export const userPlatformRoles = sqliteTable(
  "user_platform_roles",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["admin", "support", "billing_admin"] }).notNull(),
    grantedAt: integer("granted_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] })],
);

export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("teams_slug_unique").on(t.slug)],
);

/** Team roles. `builtIn` marks the default roles seeded per team (owner, manager, developer). */
export const roles = sqliteTable(
  "roles",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** JSON array of permission strings (wildcards allowed). */
    permissions: text("permissions").notNull(),
    inheritsRoleId: text("inherits_role_id"),
    builtIn: text("built_in", { enum: ["owner", "manager", "developer"] }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("roles_team_name_unique").on(t.teamId, t.name)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id),
    joinedAt: integer("joined_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

/**
 * Single-use tokens sent by mail (email verification, later password reset, …). Only the SHA-256 of the
 * token is stored; the token itself exists in the mail alone.
 */
export const actionTokens = sqliteTable(
  "action_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    purpose: text("purpose", { enum: ["verify_email", "password_reset"] }).notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
    consumedAt: integer("consumed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("action_tokens_user_idx").on(t.userId, t.purpose)],
);

/**
 * A signed-in session: one refresh-token family (RFC 9700 §4.14.2). Idle and absolute expiry are enforced on
 * refresh; `revokedAt` ends it (and the edge revocation record in KV kills its access tokens at once).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    teamId: text("team_id").references(() => teams.id, { onDelete: "cascade" }),
    /** SHA-256 of the device id the session is bound to. */
    deviceHash: text("device_hash").notNull(),
    rememberMe: integer("remember_me", { mode: "boolean" }).notNull(),
    /** The pre-auth token (jti) that created the session: a pre-auth token is exchanged once. */
    preAuthJti: text("pre_auth_jti"),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    country: text("country"),
    city: text("city"),
  },
  (t) => [
    index("sessions_user_idx").on(t.userId, t.revokedAt),
    uniqueIndex("sessions_pre_auth_jti_unique").on(t.preAuthJti),
  ],
);

/** Refresh tokens (hashes only). A token is used once; presenting a used one revokes its session. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    usedAt: integer("used_at"),
    /** Hash of the token that replaced this one (set by the winning rotation). */
    replacedBy: text("replaced_by"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

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
 * A user's TOTP second factor (RFC 6238). The secret is sealed with AES-GCM (crypto/secretbox.ts, context
 * `totp:<userId>`). `lastCounter` is the last accepted time step: a code is accepted once, an older one never.
 * Five wrong codes in a row lock the second factor for 5 minutes, after which Turnstile is required until a
 * success.
 */
export const userMfa = sqliteTable("user_mfa", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secret: text("secret").notNull(),
  enabledAt: integer("enabled_at").notNull(),
  lastCounter: integer("last_counter").notNull().default(-1),
  failedCount: integer("failed_count").notNull().default(0),
  lockedUntil: integer("locked_until"),
  captchaRequired: integer("captcha_required", { mode: "boolean" }).notNull().default(false),
});

/** Recovery codes, stored as SHA-256(userId:code); each works once. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/** Every login attempt of a known account, shown to its owner as login activity. */
export const loginEvents = sqliteTable(
  "login_events",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    outcome: text("outcome", {
      enum: ["success", "failure", "locked", "device_approval", "login_approval", "denied", "mfa_failed"],
    }).notNull(),
    reason: text("reason"),
    ip: text("ip"),
    country: text("country"),
    city: text("city"),
    /** Coarse location and network of a login, for the suspicious-login risk check (services/login-risk.ts). */
    asn: integer("asn"),
    latitude: real("latitude"),
    longitude: real("longitude"),
    device: text("device"),
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
  },
  (t) => [
    uniqueIndex("login_approvals_approve_unique").on(t.approveHash),
    uniqueIndex("login_approvals_deny_unique").on(t.denyHash),
    index("login_approvals_user_idx").on(t.userId, t.createdAt),
  ],
);

/** Every security event. `actorId`/`targetId` are kept when a user is erased (pseudonymised elsewhere). */
export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    teamId: text("team_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    reason: text("reason"),
    metadata: text("metadata").notNull().default("{}"),
  },
  (t) => [
    index("audit_logs_at_idx").on(t.at),
    index("audit_logs_actor_idx").on(t.actorId, t.at),
    index("audit_logs_target_idx").on(t.targetId, t.at),
    index("audit_logs_action_idx").on(t.action, t.at),
  ],
);

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

/** Development only: the mails the dev mailbox provider "delivered". */
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
