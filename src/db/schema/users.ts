import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Accounts and platform roles.
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
    /**
     * Changes whenever what proves the account changes (password reset or change, 2FA disabled or reset, an
     * admin lock): every login in flight carries the stamp it started with and dies when it no longer matches.
     */
    securityStamp: text("security_stamp").notNull().default(""),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(t.email),
    index("users_created_at_idx").on(t.createdAt),
    // The admin users search (features/admin, docs/admin.md): a case-insensitive name prefix is a range on
    // lower(name) (the email is stored lower-cased, so its unique index serves the email prefix), and the sorts.
    index("users_name_lower_idx").on(sql`lower(${t.name})`),
    index("users_last_login_idx").on(t.lastLoginAt),
    // status=locked: the few locked accounts, found by two small partial indexes (MULTI-INDEX OR).
    index("users_disabled_idx").on(t.disabledAt).where(sql`${t.disabledAt} IS NOT NULL`),
    index("users_locked_until_idx").on(t.lockedUntil).where(sql`${t.lockedUntil} IS NOT NULL`),
  ],
);

// Platform roles (admin, support, billing_admin), separate from team roles.
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
