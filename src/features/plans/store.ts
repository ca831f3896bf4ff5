import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import {
  apiKeys,
  commitGuards,
  invitations,
  memberships,
  roles,
  spendWarnings,
  teamBilling,
  teams,
  usageRecords,
} from "../../db/tables";

export type BillingRow = typeof teamBilling.$inferSelect;

/** The team's plan and limits row (none: FREE, no cap). */
export function billingOf(db: Db, teamId: string) {
  return db.select().from(teamBilling).where(eq(teamBilling.teamId, teamId));
}

/** Creates or replaces the team's plan and limits (one row per team). */
export function upsertBillingStatement(
  db: Db,
  row: Omit<BillingRow, "updatedBy"> & { updatedBy: string | null },
) {
  const { teamId: _teamId, ...set } = row;
  return db.insert(teamBilling).values(row).onConflictDoUpdate({ target: teamBilling.teamId, set });
}

/**
 * The counts a plan limit compares, in one D1 query, with the team's plan: members (and, for invitations, the
 * pending invitations except the address's own, which a new invitation replaces), live API keys (not revoked,
 * not expired), custom roles.
 */
export function planUsage(db: Db, input: UsageScope) {
  const { teamId, now } = input;
  return db
    .select({
      plan: sql<string>`coalesce((SELECT ${teamBilling.plan} FROM ${teamBilling} WHERE ${teamBilling.teamId} = ${teamId}), 'FREE')`,
      members: membersCount(teamId),
      invited: invitedCount(input),
      apiKeys: apiKeysCount(teamId, now),
      customRoles: customRolesCount(teamId),
    })
    .from(teams)
    .where(eq(teams.id, teamId))
    .get();
}

interface UsageScope {
  teamId: string;
  now: number;
  /** Count pending invitations too, except this address's own (undefined: do not count them). */
  invitationsExcept?: string | null;
}

const membersCount = (teamId: string) =>
  sql<number>`(SELECT count(*) FROM ${memberships} WHERE ${memberships.teamId} = ${teamId})`;

const invitedCount = ({ teamId, now, invitationsExcept }: UsageScope) =>
  invitationsExcept === undefined
    ? sql<number>`0`
    : sql<number>`(SELECT count(*) FROM ${invitations} WHERE ${invitations.teamId} = ${teamId}
        AND ${invitations.acceptedAt} IS NULL AND ${invitations.revokedAt} IS NULL
        AND ${invitations.expiresAt} > ${now} AND ${invitations.email} IS NOT ${invitationsExcept})`;

const apiKeysCount = (teamId: string, now: number) =>
  sql<number>`(SELECT count(*) FROM ${apiKeys} WHERE ${apiKeys.teamId} = ${teamId}
        AND ${apiKeys.revokedAt} IS NULL AND (${apiKeys.expiresAt} IS NULL OR ${apiKeys.expiresAt} > ${now}))`;

const customRolesCount = (teamId: string) =>
  sql<number>`(SELECT count(*) FROM ${roles} WHERE ${roles.teamId} = ${teamId} AND ${roles.builtIn} IS NULL)`;

/**
 * The plan limit checked again INSIDE the batch that creates the counted thing, after its insert: the batch
 * fails (the `commit_guards` CHECK, migration 0013) when the count now exceeds `limit`. D1 runs batches one at a
 * time on the primary, so of two creates that both passed `planUsage`, the later batch sees the earlier one's
 * row and is refused whole. With `invitationsExcept`, the invited address's own pending invitations (the new
 * one included) are left out and the new one counted as one, exactly like the check before it.
 */
export function planLimitGuardStatement(
  db: Db,
  scope: UsageScope & { resource: "members" | "apiKeys" | "customRoles"; limit: number },
) {
  const { resource, limit, teamId, now } = scope;
  const count =
    resource === "members"
      ? scope.invitationsExcept === undefined
        ? membersCount(teamId)
        : sql`${membersCount(teamId)} + ${invitedCount(scope)} + 1`
      : resource === "apiKeys"
        ? apiKeysCount(teamId, now)
        : customRolesCount(teamId);
  return db.insert(commitGuards).select(
    db
      .select({ guard: sql<string>`${resource}`.as("guard") })
      .from(teams)
      .where(and(eq(teams.id, teamId), sql`${count} > ${limit}`)),
  );
}

/** A usage record by its idempotency key (keys are unique per team for good, D1's unique index). */
export function usageByKey(db: Db, teamId: string, idempotencyKey: string) {
  return db
    .select()
    .from(usageRecords)
    .where(and(eq(usageRecords.teamId, teamId), eq(usageRecords.idempotencyKey, idempotencyKey)));
}

export interface LedgerRowInput {
  recordId: string;
  teamId: string;
  idempotencyKey: string;
  month: string;
  amountMicros: number;
  description: string;
  monthToDateMicros: number;
  actorId: string | null;
  apiKeyId: string | null;
  createdAt: number;
}

/**
 * Writes a ledger row the team's TeamLedger already counted; idempotent (the row's id is fixed by the ledger).
 * `written`: the row is in D1 now (this call or an earlier one); `other_record`: D1 holds another record under
 * this key (a key first used in an earlier month), so the ledger must take its charge back.
 */
export async function writeLedgerRow(db: Db, row: LedgerRowInput): Promise<"written" | "other_record"> {
  await db
    .insert(usageRecords)
    .values({
      id: row.recordId,
      teamId: row.teamId,
      idempotencyKey: row.idempotencyKey,
      month: row.month,
      amountMicros: row.amountMicros,
      description: row.description,
      monthToDateMicros: row.monthToDateMicros,
      actorId: row.actorId,
      apiKeyId: row.apiKeyId,
      createdAt: row.createdAt,
    })
    .onConflictDoNothing();
  const stored = await db
    .select({ id: usageRecords.id })
    .from(usageRecords)
    .where(and(eq(usageRecords.teamId, row.teamId), eq(usageRecords.idempotencyKey, row.idempotencyKey)))
    .get();
  return stored?.id === row.recordId ? "written" : "other_record";
}

/** A page of a month's ledger, newest first, after the keyset cursor `(createdAt, id)`. */
export function ledgerPage(
  db: Db,
  input: { teamId: string; month: string; after: { createdAt: number; id: string } | null; limit: number },
) {
  const { after } = input;
  return db
    .select()
    .from(usageRecords)
    .where(
      and(
        eq(usageRecords.teamId, input.teamId),
        eq(usageRecords.month, input.month),
        after
          ? or(
              lt(usageRecords.createdAt, after.createdAt),
              and(eq(usageRecords.createdAt, after.createdAt), lt(usageRecords.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(usageRecords.createdAt), desc(usageRecords.id))
    .limit(input.limit + 1);
}

/** A month's total in the D1 ledger (past months: final; the current month's is the TeamLedger's). */
export function ledgerSum(db: Db, teamId: string, month: string) {
  return db
    .select({ total: sql<number>`coalesce(sum(${usageRecords.amountMicros}), 0)` })
    .from(usageRecords)
    .where(and(eq(usageRecords.teamId, teamId), eq(usageRecords.month, month)))
    .get();
}

/** The spend warnings sent for a month. */
export function warningsOf(db: Db, teamId: string, month: string) {
  return db
    .select({ kind: spendWarnings.kind, sentAt: spendWarnings.sentAt })
    .from(spendWarnings)
    .where(and(eq(spendWarnings.teamId, teamId), eq(spendWarnings.month, month)))
    .orderBy(spendWarnings.sentAt);
}

/**
 * Records a warning as sent. Deliberately a plain INSERT (not ON CONFLICT DO NOTHING): it shares its batch with
 * the warning's mails and audit entry, and a second sender's primary-key conflict rolls the whole batch back,
 * so the mails go out exactly once per team, month and kind.
 */
export function insertWarningStatement(
  db: Db,
  row: { teamId: string; month: string; kind: "warn" | "cap"; sentAt: number },
) {
  return db.insert(spendWarnings).values(row);
}

/** The team's name (mails). */
export function teamName(db: Db, teamId: string) {
  return db.select({ name: teams.name }).from(teams).where(eq(teams.id, teamId)).get();
}
