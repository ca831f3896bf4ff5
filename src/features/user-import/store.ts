import { and, asc, eq, gt, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import {
  invitations,
  memberships,
  roles,
  teams,
  userImportChunks,
  userImportInvitations,
  userImportJobs,
  users,
} from "../../db/tables";

/** The bulk import's only D1 queries (features/user-import). */

export type ImportJobRow = typeof userImportJobs.$inferSelect;
export type ImportChunkRow = typeof userImportChunks.$inferSelect;

/** D1 binds at most 100 parameters a statement: lookups by key go in slices of this many. */
const KEYS_PER_STATEMENT = 45;

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function findJob(db: Db, id: string) {
  return db.select().from(userImportJobs).where(eq(userImportJobs.id, id)).get();
}

export function findJobByHash(db: Db, fileHash: string) {
  return db.select().from(userImportJobs).where(eq(userImportJobs.fileHash, fileHash)).get();
}

export function insertJob(db: Db, row: typeof userImportJobs.$inferInsert) {
  return db.insert(userImportJobs).values(row);
}

export function insertChunk(db: Db, row: typeof userImportChunks.$inferInsert) {
  return db.insert(userImportChunks).values(row);
}

/** Teams named by slug or id, in one batch of slices (the file names at most 10,000 distinct teams). */
export async function teamsByKeys(db: Db, keys: readonly string[]) {
  const [first, ...rest] = slices(keys, KEYS_PER_STATEMENT).map((slice) =>
    db
      .select({ id: teams.id, slug: teams.slug, name: teams.name })
      .from(teams)
      .where(or(inArray(teams.slug, slice), inArray(teams.id, slice))),
  );
  if (!first) return [];
  return (await db.batch([first, ...rest])).flat();
}

/** The roles of these teams (name and kind), in one batch of slices. */
export async function rolesOfTeams(db: Db, teamIds: readonly string[]) {
  const [first, ...rest] = slices(teamIds, KEYS_PER_STATEMENT * 2).map((slice) =>
    db
      .select({ id: roles.id, teamId: roles.teamId, name: roles.name, builtIn: roles.builtIn })
      .from(roles)
      .where(inArray(roles.teamId, slice)),
  );
  if (!first) return [];
  return (await db.batch([first, ...rest])).flat();
}

export function pendingChunkSeqs(db: Db, jobId: string) {
  return db
    .select({ seq: userImportChunks.seq })
    .from(userImportChunks)
    .where(and(eq(userImportChunks.jobId, jobId), eq(userImportChunks.status, "pending")))
    .orderBy(asc(userImportChunks.seq));
}

export function findChunk(db: Db, jobId: string, seq: number) {
  return db
    .select()
    .from(userImportChunks)
    .where(and(eq(userImportChunks.jobId, jobId), eq(userImportChunks.seq, seq)))
    .get();
}

export function chunkErrorsOf(db: Db, jobId: string) {
  return db
    .select({ errors: userImportChunks.errors })
    .from(userImportChunks)
    .where(eq(userImportChunks.jobId, jobId))
    .orderBy(asc(userImportChunks.seq));
}

/** A queued job starts running with its first chunk (no-op afterwards). */
export function markJobRunning(db: Db, jobId: string, now: number) {
  return db
    .update(userImportJobs)
    .set({ status: "running", updatedAt: now })
    .where(and(eq(userImportJobs.id, jobId), eq(userImportJobs.status, "queued")));
}

/**
 * What one row's outcome depends on, in one round trip: whether this job already invited (team, email) — a
 * redelivered message —, whether the address is already a member, and whether an invitation is pending.
 */
export async function rowFacts(db: Db, input: { jobId: string; teamId: string; email: string; now: number }) {
  const { jobId, teamId, email, now } = input;
  const [imported, member, pending] = await db.batch([
    db
      .select({ id: userImportInvitations.invitationId })
      .from(userImportInvitations)
      .where(
        and(
          eq(userImportInvitations.jobId, jobId),
          eq(userImportInvitations.teamId, teamId),
          eq(userImportInvitations.email, email),
        ),
      )
      .limit(1),
    db
      .select({ id: users.id })
      .from(users)
      .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.teamId, teamId)))
      .where(eq(users.email, email))
      .limit(1),
    db
      .select({ id: invitations.id })
      .from(invitations)
      .where(
        and(
          eq(invitations.teamId, teamId),
          eq(invitations.email, email),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, now),
        ),
      )
      .limit(1),
  ]);
  return { imported: imported.length > 0, member: member.length > 0, pending: pending.length > 0 };
}

/** The row's idempotency key; a second insert of it fails the whole batch (UNIQUE on the primary key). */
export function insertImportInvitation(db: Db, row: typeof userImportInvitations.$inferInsert) {
  return db.insert(userImportInvitations).values(row);
}

/** A chunk leaves `pending` exactly once, with its counts and errors; returns the row it changed (if any). */
export function completeChunk(
  db: Db,
  input: { jobId: string; seq: number; created: number; skipped: number; errors: string; now: number },
) {
  return db
    .update(userImportChunks)
    .set({
      status: "done",
      created: input.created,
      skipped: input.skipped,
      errors: input.errors,
      doneAt: input.now,
    })
    .where(
      and(
        eq(userImportChunks.jobId, input.jobId),
        eq(userImportChunks.seq, input.seq),
        eq(userImportChunks.status, "pending"),
      ),
    )
    .returning({ seq: userImportChunks.seq });
}

/** The job's counters, summed from its done chunks (so a counter can never count a chunk twice). */
export function refreshJobCounters(db: Db, jobId: string, now: number) {
  const done = sql`FROM ${userImportChunks} WHERE ${userImportChunks.jobId} = ${jobId} AND ${userImportChunks.status} = 'done'`;
  return db
    .update(userImportJobs)
    .set({
      processed: sql`(SELECT COALESCE(SUM(${userImportChunks.size}), 0) ${done})`,
      created: sql`(SELECT COALESCE(SUM(${userImportChunks.created}), 0) ${done})`,
      skipped: sql`(SELECT COALESCE(SUM(${userImportChunks.skipped}), 0) ${done})`,
      updatedAt: now,
    })
    .where(eq(userImportJobs.id, jobId));
}

/**
 * The job becomes `done` when no chunk is pending: returns the job once, to the one caller that made the
 * transition (which then audits `user_import.finished`).
 */
export function finishJobIfComplete(db: Db, jobId: string, now: number) {
  return db
    .update(userImportJobs)
    .set({ status: "done", finishedAt: now, updatedAt: now })
    .where(
      and(
        eq(userImportJobs.id, jobId),
        ne(userImportJobs.status, "done"),
        ne(userImportJobs.status, "failed"),
        sql`NOT EXISTS (SELECT 1 FROM ${userImportChunks} WHERE ${userImportChunks.jobId} = ${jobId} AND ${userImportChunks.status} = 'pending')`,
      ),
    )
    .returning({
      id: userImportJobs.id,
      createdBy: userImportJobs.createdBy,
      total: userImportJobs.total,
      created: userImportJobs.created,
      skipped: userImportJobs.skipped,
      processed: userImportJobs.processed,
    });
}

/** The dead-letter consumer: a chunk that kept failing fails its job (once). */
export function failJob(db: Db, jobId: string, now: number) {
  return db
    .update(userImportJobs)
    .set({ status: "failed", finishedAt: now, updatedAt: now })
    .where(
      and(
        eq(userImportJobs.id, jobId),
        ne(userImportJobs.status, "done"),
        ne(userImportJobs.status, "failed"),
      ),
    )
    .returning({ id: userImportJobs.id, createdBy: userImportJobs.createdBy });
}

export function findTeam(db: Db, id: string) {
  return db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.id, id)).get();
}

export function findTeamRole(db: Db, teamId: string, roleId: string) {
  return db
    .select({ id: roles.id, name: roles.name, builtIn: roles.builtIn })
    .from(roles)
    .where(and(eq(roles.teamId, teamId), eq(roles.id, roleId)))
    .get();
}

export function findUserName(db: Db, id: string) {
  return db.select({ id: users.id, name: users.name }).from(users).where(eq(users.id, id)).get();
}
