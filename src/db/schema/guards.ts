import { sql } from "drizzle-orm";
import { check, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A table that never holds a row (migration 0013): inserting into it fails the CHECK `commit_guard_failed`, and
 * D1 rolls the whole batch back. A unit of work's `guard` (platform/unit-of-work.ts) is an INSERT … SELECT here
 * that selects a row only when the condition it re-checks is broken (e.g. a plan limit, features/plans/store.ts).
 */
export const commitGuards = sqliteTable("commit_guards", { guard: text("guard") }, () => [
  check("commit_guard_failed", sql`0`),
]);
