import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

// TOTP second factors and recovery codes.
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

// Recovery codes, stored as SHA-256(userId:code); each works once.
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
