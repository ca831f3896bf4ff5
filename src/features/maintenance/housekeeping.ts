import { type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import {
  actionTokens,
  deviceChallenges,
  deviceCodeGuards,
  emailOutbox,
  loginApprovals,
  sessions,
  signingKeys,
} from "../../db/tables";
import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";

/**
 * Housekeeping (docs/housekeeping.md): the daily purge of rows nothing will ever read again. Every rule is here,
 * one entry each: the table and the condition that makes a row dead. A rule deletes in bounded batches (one
 * `DELETE … WHERE rowid IN (SELECT … LIMIT n)` statement each, so one statement stays far inside D1's query
 * limits), at most `maxBatches` per run; what is left goes the next day. Deleting only dead rows makes it
 * idempotent: a second run finds nothing.
 */

const DAY = 86_400_000;

/** How long a dead row is kept before it is purged (a grace that keeps answers like "link already used" right). */
export const RETENTION = {
  /** Verification and reset links, consumed or expired. */
  actionTokensDays: 7,
  /** Device-approval codes and suspicious-login approvals, past their expiry. */
  challengesDays: 1,
  /** Sessions ended (revoked) or expired: refresh tokens go with them (foreign key cascade). */
  sessionsDays: 30,
  /** Outbox rows of mails the provider accepted, or that went to a suppressed address. */
  deliveredMailDays: 7,
  /** Retired and revoked signing keys (their tokens died long before). */
  signingKeysDays: 90,
} as const;

export interface PurgeRule {
  name: string;
  table: SQLiteTable;
  /** Rows this rule may delete at `now`. */
  dead: (now: number) => SQL;
}

export const PURGE_RULES: readonly PurgeRule[] = [
  {
    name: "action_tokens",
    table: actionTokens,
    dead: (now) => {
      const before = now - RETENTION.actionTokensDays * DAY;
      return sql`(${actionTokens.expiresAt} < ${before} or ${actionTokens.consumedAt} < ${before})`;
    },
  },
  {
    name: "device_challenges",
    table: deviceChallenges,
    dead: (now) => sql`${deviceChallenges.expiresAt} < ${now - RETENTION.challengesDays * DAY}`,
  },
  {
    name: "login_approvals",
    table: loginApprovals,
    dead: (now) => sql`${loginApprovals.expiresAt} < ${now - RETENTION.challengesDays * DAY}`,
  },
  {
    name: "device_code_guards",
    table: deviceCodeGuards,
    dead: (now) =>
      sql`${deviceCodeGuards.windowStart} < ${now - RETENTION.challengesDays * DAY} and coalesce(${deviceCodeGuards.lockedUntil}, 0) < ${now}`,
  },
  {
    name: "sessions",
    table: sessions,
    dead: (now) => {
      const before = now - RETENTION.sessionsDays * DAY;
      return sql`(${sessions.expiresAt} < ${before} or ${sessions.revokedAt} < ${before})`;
    },
  },
  {
    name: "email_outbox",
    table: emailOutbox,
    // Delivered mails, and mails to a suppressed address (final, never sent: their body was cleared at once).
    dead: (now) => {
      const before = now - RETENTION.deliveredMailDays * DAY;
      return sql`((${emailOutbox.status} = 'sent' and ${emailOutbox.sentAt} < ${before}) or (${emailOutbox.status} = 'suppressed' and ${emailOutbox.updatedAt} < ${before}))`;
    },
  },
  {
    name: "signing_keys",
    table: signingKeys,
    dead: (now) =>
      sql`${signingKeys.state} in ('retired', 'revoked') and coalesce(${signingKeys.retiredAt}, ${signingKeys.revokedAt}) < ${now - RETENTION.signingKeysDays * DAY}`,
  },
];

export interface HousekeepingOptions {
  batchSize?: number;
  maxBatches?: number;
}

/**
 * One bounded batch of a rule; returns how many of the rule's rows went (RETURNING counts them: D1's `changes`
 * would also count rows a foreign-key cascade removed, e.g. a session's refresh tokens).
 */
export async function purgeBatch(ctx: RequestContext, rule: PurgeRule, batchSize: number): Promise<number> {
  const rows = await ctx.db.all<{ one: number }>(
    sql`DELETE FROM ${rule.table} WHERE rowid IN (SELECT rowid FROM ${rule.table} WHERE ${rule.dead(ctx.now())} LIMIT ${batchSize}) RETURNING 1 AS one`,
  );
  return rows.length;
}

/**
 * Runs every rule, each for at most `maxBatches` batches of `batchSize`, and logs one structured line per rule
 * with how many rows it removed. A failing rule is logged and does not stop the others.
 */
export async function runHousekeeping(
  ctx: RequestContext,
  options: HousekeepingOptions = {},
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  const removed: Record<string, number> = {};
  for (const rule of PURGE_RULES) {
    let total = 0;
    let batches = 0;
    try {
      for (; batches < maxBatches; batches += 1) {
        const n = await purgeBatch(ctx, rule, batchSize);
        total += n;
        if (n < batchSize) {
          batches += 1;
          break;
        }
      }
      removed[rule.name] = total;
      logger.info("housekeeping purge", { rule: rule.name, removed: total, batches });
    } catch (error) {
      removed[rule.name] = total;
      logger.error("housekeeping purge failed", { rule: rule.name, removed: total, error });
    }
  }
  return removed;
}
