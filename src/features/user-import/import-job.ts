import { toHex } from "../../crypto/encoding";
import { isUniqueViolation } from "../../db/client";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { commit } from "../../platform/unit-of-work";
import { parseCsv } from "./csv";
import { enqueueChunks } from "./queue";
import { isImportHeader, type RowError, teamKeysOf, validateRows } from "./rows";
import {
  chunkErrorsOf,
  findJob,
  findJobByHash,
  insertChunk,
  insertJob,
  pendingChunkSeqs,
  rolesOfTeams,
  teamsByKeys,
} from "./store";

/** At most this many data rows a file (../shared/API.md). */
export const MAX_IMPORT_ROWS = 10_000;
/** Rows a chunk (one queue message): ~4 D1 queries and a queue send each, far within one invocation's limits. */
export const CHUNK_ROWS = 50;

const invalidFile = (message: string) => AuthError.validation([{ path: "body", message }]);

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidFile("The file must be UTF-8 text.");
  }
}

/** Parses the file and checks its shape: the header row, 1 to 10,000 data rows, well-formed CSV. */
function dataRecords(text: string): string[][] {
  const parsed = parseCsv(text, { maxRecords: MAX_IMPORT_ROWS + 1 });
  if (!parsed.ok) {
    switch (parsed.reason) {
      case "too_many_records":
        throw invalidFile(`The file must not have more than ${MAX_IMPORT_ROWS} data rows.`);
      case "unterminated_quote":
        throw invalidFile(`Line ${parsed.line}: a quoted field is not closed.`);
      case "stray_quote":
        throw invalidFile(
          `Line ${parsed.line}: a quote must enclose the whole field (write "" for a quote).`,
        );
    }
  }
  const [header, ...rows] = parsed.records;
  if (!isImportHeader(header)) throw invalidFile("The first row must be the header: email,name,team,role");
  if (rows.length === 0) throw invalidFile("The file has no data rows.");
  return rows;
}

/**
 * POST /admin/users/import: validates the whole file up front, stores the job and its chunks (valid rows to
 * invite, per-row errors) in one batch with the `user_import.started` audit entry, and queues one message a
 * chunk; the invitations are created by the consumer (queue.ts). The job is keyed by the file's SHA-256: the
 * same file again answers the existing job (re-queueing its pending chunks, which is harmless: each row's
 * invitation is keyed too), so re-running an import creates nothing twice.
 */
export async function startImport(
  ctx: RequestContext,
  input: { adminId: string; file: Uint8Array },
): Promise<{ jobId: string; existing: boolean }> {
  const fileHash = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", input.file)));
  const known = await findJobByHash(ctx.db, fileHash);
  if (known) return resume(ctx, known);

  const records = dataRecords(decodeUtf8(input.file));
  const teams = await teamsByKeys(ctx.db, teamKeysOf(records));
  const roles = await rolesOfTeams(
    ctx.db,
    teams.map((t) => t.id),
  );
  const { valid, errors } = validateRows(records, { teams, roles });

  const now = ctx.now();
  const jobId = newId(ctx.random);
  const chunks = chunkRows(records.length, valid, errors);
  const pending = chunks.filter((c) => c.rows.length > 0);
  const processed = chunks.filter((c) => c.rows.length === 0).reduce((sum, c) => sum + c.size, 0);
  const finished = pending.length === 0;
  try {
    await commit(ctx, {
      writes: [
        insertJob(ctx.db, {
          id: jobId,
          createdBy: input.adminId,
          fileHash,
          status: finished ? "done" : "queued",
          total: records.length,
          processed,
          chunks: chunks.length,
          createdAt: now,
          updatedAt: now,
          finishedAt: finished ? now : null,
        }),
        ...chunks.map((c) =>
          insertChunk(ctx.db, {
            jobId,
            seq: c.seq,
            firstRow: c.firstRow,
            size: c.size,
            rows: JSON.stringify(c.rows),
            errors: JSON.stringify(c.errors),
            status: c.rows.length > 0 ? "pending" : "done",
            doneAt: c.rows.length > 0 ? null : now,
          }),
        ),
      ],
      audit: [
        {
          action: "user_import.started",
          actorId: input.adminId,
          target: { type: "user_import", id: jobId },
          metadata: { rows: records.length, valid: valid.length, invalid: errors.length },
        },
        ...(finished
          ? [
              {
                action: "user_import.finished" as const,
                actorId: input.adminId,
                target: { type: "user_import" as const, id: jobId },
                metadata: { status: "done", created: 0, skipped: 0, errors: errors.length },
              },
            ]
          : []),
      ],
      after: [
        {
          name: "user_import.enqueue",
          run: () =>
            enqueueChunks(
              ctx,
              jobId,
              pending.map((c) => c.seq),
            ),
        },
      ],
    });
  } catch (error) {
    // The same file uploaded twice at once: the other upload's job is the one.
    if (isUniqueViolation(error, "file_hash")) {
      const winner = await findJobByHash(ctx.db, fileHash);
      if (winner) return { jobId: winner.id, existing: true };
    }
    throw error;
  }
  return { jobId, existing: false };
}

/** The same file again: its job, with any chunk still pending queued again (a lost send recovers here). */
async function resume(
  ctx: RequestContext,
  job: { id: string; status: string },
): Promise<{ jobId: string; existing: true }> {
  if (job.status === "queued" || job.status === "running") {
    const seqs = (await pendingChunkSeqs(ctx.db, job.id)).map((c) => c.seq);
    await enqueueChunks(ctx, job.id, seqs);
  }
  return { jobId: job.id, existing: true };
}

interface Chunk {
  seq: number;
  firstRow: number;
  size: number;
  rows: ReturnType<typeof validateRows>["valid"];
  errors: RowError[];
}

/** Splits rows 1…total into chunks of CHUNK_ROWS consecutive rows, each with its valid rows and its errors. */
function chunkRows(
  total: number,
  valid: ReturnType<typeof validateRows>["valid"],
  errors: RowError[],
): Chunk[] {
  const chunks: Chunk[] = [];
  for (let first = 1, seq = 0; first <= total; first += CHUNK_ROWS, seq += 1) {
    chunks.push({
      seq,
      firstRow: first,
      size: Math.min(CHUNK_ROWS, total - first + 1),
      rows: [],
      errors: [],
    });
  }
  const at = (row: number) => chunks[Math.floor((row - 1) / CHUNK_ROWS)] as Chunk;
  for (const v of valid) at(v.row).rows.push(v);
  for (const e of errors) at(e.row).errors.push(e);
  return chunks;
}

/** GET /admin/users/import/:jobId: progress and every per-row error, ordered by row. */
export async function importJobView(ctx: RequestContext, jobId: string) {
  const job = await findJob(ctx.db, jobId);
  if (!job) throw new AuthError("not_found");
  const errors = (await chunkErrorsOf(ctx.db, jobId))
    .flatMap((c) => JSON.parse(c.errors) as RowError[])
    .sort((a, b) => a.row - b.row);
  return {
    id: job.id,
    status: job.status,
    total: job.total,
    processed: job.processed,
    created: job.created,
    skipped: job.skipped,
    errors,
  };
}
