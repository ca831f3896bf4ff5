import { and, desc, eq, gte, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLogs, loginEvents, users } from "../../db/tables";
import type { KeysetCursor } from "../../platform/pagination";

/** The audit viewer's filters (all optional, combined with AND); times are epoch milliseconds, inclusive. */
export interface AuditFilters {
  actor?: string;
  action?: string;
  target?: string;
  teamId?: string;
  ip?: string;
  from?: number;
  to?: number;
}

export type AuditPageRow = typeof auditLogs.$inferSelect & { actorEmail: string | null };

/**
 * The equality filters, most selective first: the first one present drives the query through its
 * (column, at) index; the others are written `+column = ?` (SQLite's unary plus: "do not use an index for
 * this term"), so the planner — which has no statistics on D1 — cannot pick the broad `action` index when an
 * actor or a target narrows the rows to a few hundred (measured: 831 ms → a few ms at 1,000,000 rows).
 */
const EQUALITY_FILTERS = [
  ["target", auditLogs.targetId],
  ["actor", auditLogs.actorId],
  ["ip", auditLogs.ip],
  ["teamId", auditLogs.teamId],
  ["action", auditLogs.action],
] as const;

function whereOf(filters: AuditFilters, after: KeysetCursor | undefined): SQL | undefined {
  const present = EQUALITY_FILTERS.filter(([key]) => filters[key] !== undefined);
  return and(
    ...present.map(([key, column], i) =>
      i === 0 ? eq(column, filters[key] as string) : sql`+${column} = ${filters[key] as string}`,
    ),
    filters.from !== undefined ? gte(auditLogs.at, filters.from) : undefined,
    filters.to !== undefined ? lte(auditLogs.at, filters.to) : undefined,
    // `at <= cursor` first: the index range starts at the cursor (the OR alone would be a filter on a scan
    // from the newest entry, so page k would cost k pages).
    after ? lte(auditLogs.at, after.at) : undefined,
    after
      ? or(lt(auditLogs.at, after.at), and(eq(auditLogs.at, after.at), lt(auditLogs.id, after.id)))
      : undefined,
  );
}

/**
 * One page, newest first, after the keyset cursor: `WHERE <filters> AND (at, id) < cursor ORDER BY at DESC,
 * id DESC LIMIT n` — a range scan of the filter's (column, at) index (plans in docs/audit.md), never OFFSET.
 * The actor's address comes from users by primary key (null once the user is erased or for system entries).
 */
export function auditPage(
  db: Db,
  input: { filters: AuditFilters; after?: KeysetCursor; limit: number },
): Promise<AuditPageRow[]> {
  return db
    .select({
      id: auditLogs.id,
      at: auditLogs.at,
      actorId: auditLogs.actorId,
      action: auditLogs.action,
      targetType: auditLogs.targetType,
      targetId: auditLogs.targetId,
      teamId: auditLogs.teamId,
      ip: auditLogs.ip,
      userAgent: auditLogs.userAgent,
      reason: auditLogs.reason,
      metadata: auditLogs.metadata,
      actorEmail: users.email,
    })
    .from(auditLogs)
    .leftJoin(users, eq(users.id, auditLogs.actorId))
    .where(whereOf(input.filters, input.after))
    .orderBy(desc(auditLogs.at), desc(auditLogs.id))
    .limit(input.limit);
}

/** The SQL of auditPage, for EXPLAIN QUERY PLAN in tests and the design document. */
export function auditPageQuery(
  db: Db,
  input: { filters: AuditFilters; after?: KeysetCursor; limit: number },
) {
  return db
    .select({ id: auditLogs.id, actorEmail: users.email })
    .from(auditLogs)
    .leftJoin(users, eq(users.id, auditLogs.actorId))
    .where(whereOf(input.filters, input.after))
    .orderBy(desc(auditLogs.at), desc(auditLogs.id))
    .limit(input.limit)
    .toSQL();
}

/**
 * Deletes up to `batch` audit entries older than `before`, oldest first (a range of the `at` index), and
 * returns how many went. Bounded so one statement stays well inside D1's per-query time limit.
 */
export async function deleteAuditEntriesBefore(db: Db, before: number, batch: number): Promise<number> {
  const result = await db.run(
    sql`DELETE FROM ${auditLogs} WHERE rowid IN (SELECT rowid FROM ${auditLogs} WHERE ${auditLogs.at} < ${before} ORDER BY ${auditLogs.at} LIMIT ${batch})`,
  );
  return result.meta.changes ?? 0;
}

/**
 * The same bounded purge for login activity (`login_events`, which has no index on `at`): it looks only at the
 * `batch` oldest rows by rowid (rows are appended in time order, so rowid order is age order) and deletes those
 * older than `before` — bounded work without a new index; returns how many went.
 */
export async function deleteLoginEventsBefore(db: Db, before: number, batch: number): Promise<number> {
  const result = await db.run(
    sql`DELETE FROM ${loginEvents} WHERE rowid IN (SELECT rowid FROM ${loginEvents} ORDER BY rowid LIMIT ${batch}) AND ${loginEvents.at} < ${before}`,
  );
  return result.meta.changes ?? 0;
}
