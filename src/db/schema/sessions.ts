import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { teams } from "./teams";
import { users } from "./users";

// Sessions and their rotating refresh tokens.
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
    /**
     * Bumped when the session switches team: its access tokens carry the epoch they were minted in, and the
     * edge record of the session invalidates every older one (the replaced team's token dies at once).
     */
    accessEpoch: integer("access_epoch").notNull().default(0),
    /**
     * When the user last proved who they are in this session (epoch ms): the login, then each step-up
     * (RFC 9470 `auth_time`). Refreshes keep it; sensitive actions need it younger than STEP_UP_MAX_AGE.
     */
    authTime: integer("auth_time").notNull().default(0),
    /** The methods of that proof (RFC 8176 `amr` values, comma-separated: `pwd`, `otp`, `mfa`, …). */
    amr: text("amr").notNull().default("pwd"),
    /**
     * The client the session is bound to (auth/session-binding.ts): its user-agent family (browser + OS) and
     * the /24 (IPv4) or /48 (IPv6) of its address at creation; `asn` its network (country is above).
     */
    uaFamily: text("ua_family"),
    netPrefix: text("net_prefix"),
    asn: integer("asn"),
    /** The login's risk score (features/login/risk/risk.ts) when the session was created: a risky session steps up with a second factor. */
    riskScore: integer("risk_score").notNull().default(0),
  },
  (t) => [
    index("sessions_user_idx").on(t.userId, t.revokedAt),
    uniqueIndex("sessions_pre_auth_jti_unique").on(t.preAuthJti),
  ],
);

// Refresh tokens (hashes only). A token is used once; presenting a used one revokes its session.
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
