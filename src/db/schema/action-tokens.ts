import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

// Single-use mailed tokens (verification, password reset), stored hashed.
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
