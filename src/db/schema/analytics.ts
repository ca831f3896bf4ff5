import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Sign-in analytics: one row per UTC day, kept up to date as events happen (features/analytics, docs/analytics.md).
/**
 * The daily rollup. Each counter is bumped by one UPSERT in the same D1 batch as the audit entry that causes it
 * (platform/audit.ts `ROLLUP_COUNTERS`), so a year of analytics reads at most 366 rows.
 */
export const analyticsDaily = sqliteTable("analytics_daily", {
  /** The UTC day, `YYYY-MM-DD`. */
  day: text("day").primaryKey(),
  loginSuccesses: integer("login_successes").notNull().default(0),
  loginFailures: integer("login_failures").notNull().default(0),
  suspiciousLogins: integer("suspicious_logins").notNull().default(0),
  deviceApprovals: integer("device_approvals").notNull().default(0),
  passwordResets: integer("password_resets").notNull().default(0),
  lockouts: integer("lockouts").notNull().default(0),
  /** Sessions that ended on this day with a known start (logout, revocation, expiry, replacement, reuse). */
  sessionEnds: integer("session_ends").notNull().default(0),
  /** The sum of those sessions' durations, seconds (`avgSessionSeconds` = sessionSeconds / sessionEnds). */
  sessionSeconds: integer("session_seconds").notNull().default(0),
});
