import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { type ChunkScope, inviteRow } from "./invite-row";
import type { RowError, ValidRow } from "./rows";
import {
  completeChunk,
  failJob,
  findChunk,
  findJob,
  findUserName,
  finishJobIfComplete,
  markJobRunning,
  refreshJobCounters,
} from "./store";

/**
 * The import queue (`gatehouse-import`, binding IMPORT_QUEUE): a message names one chunk of a job. Delivery is
 * at least once, so everything here is idempotent: a done chunk is acknowledged untouched, each row's
 * invitation is keyed (invite-row.ts), a chunk's counts are stored once when it completes, and the job's
 * counters are sums over its done chunks. A chunk that keeps failing goes to `gatehouse-import-dlq` after the
 * queue's max_retries; the dead-letter consumer marks its job `failed`.
 */
export interface ImportQueueMessage {
  jobId: string;
  seq: number;
}

export const IMPORT_QUEUE_NAME = "gatehouse-import";

/** True for the import queue and its dead-letter queue (worker.ts dispatches by queue name). */
export function isImportQueue(name: string): boolean {
  return name === IMPORT_QUEUE_NAME || name === `${IMPORT_QUEUE_NAME}-dlq`;
}

/** Queues one message a chunk, 100 a send (the Queues sendBatch limit). */
export async function enqueueChunks(
  ctx: RequestContext,
  jobId: string,
  seqs: readonly number[],
): Promise<void> {
  for (let i = 0; i < seqs.length; i += 100) {
    await ctx.env.IMPORT_QUEUE.sendBatch(
      seqs.slice(i, i + 100).map((seq) => ({ body: { jobId, seq }, contentType: "json" as const })),
    );
  }
}

/** 10 s, 20 s, 40 s … capped at 5 minutes. */
function retryDelaySeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 300);
}

/** Consumes a batch of either the import queue or its dead-letter queue. */
export async function consumeImportBatch(
  ctx: RequestContext,
  batch: MessageBatch<ImportQueueMessage>,
): Promise<void> {
  const deadLetters = batch.queue.endsWith("-dlq");
  for (const message of batch.messages) {
    const { jobId, seq } = message.body;
    if (deadLetters) {
      await failImport(ctx, jobId);
      message.ack();
      continue;
    }
    try {
      await processChunk(ctx, { jobId, seq });
      message.ack();
    } catch (error) {
      const delaySeconds = retryDelaySeconds(message.attempts);
      logger.warn("import chunk failed; retrying", {
        jobId,
        seq,
        attempts: message.attempts,
        delaySeconds,
        error,
      });
      message.retry({ delaySeconds });
    }
  }
}

/** Invites a chunk's rows, then completes the chunk (once) and, with its last chunk, the job. */
export async function processChunk(ctx: RequestContext, input: ImportQueueMessage): Promise<void> {
  const { jobId, seq } = input;
  const chunk = await findChunk(ctx.db, jobId, seq);
  if (!chunk || chunk.status === "done") return;
  const job = await findJob(ctx.db, jobId);
  if (!job || job.status === "failed") return;
  await markJobRunning(ctx.db, jobId, ctx.now()).run();
  const admin = job.createdBy ? await findUserName(ctx.db, job.createdBy) : undefined;
  const scope: ChunkScope = {
    jobId,
    inviter: { id: admin?.id ?? null, name: admin?.name ?? null },
    teams: new Map(),
    roles: new Map(),
  };
  let created = 0;
  let skipped = 0;
  const errors = JSON.parse(chunk.errors) as RowError[];
  for (const row of JSON.parse(chunk.rows) as ValidRow[]) {
    const outcome = await inviteRow(ctx, scope, row);
    if (outcome.kind === "created") created += 1;
    else if (outcome.kind === "skipped") skipped += 1;
    else errors.push(outcome.error);
  }
  errors.sort((a, b) => a.row - b.row);
  const now = ctx.now();
  await commit(ctx, {
    writes: [
      completeChunk(ctx.db, { jobId, seq, created, skipped, errors: JSON.stringify(errors), now }),
      refreshJobCounters(ctx.db, jobId, now),
    ],
  });
  await finishIfComplete(ctx, jobId);
}

/** Audits `user_import.finished` exactly once: for the caller whose update moved the job to `done`. */
async function finishIfComplete(ctx: RequestContext, jobId: string): Promise<void> {
  const [finished] = await finishJobIfComplete(ctx.db, jobId, ctx.now());
  if (!finished) return;
  const errors = finished.total - finished.created - finished.skipped;
  await commit(ctx, {
    audit: {
      action: "user_import.finished",
      actorId: finished.createdBy,
      target: { type: "user_import", id: jobId },
      metadata: { status: "done", created: finished.created, skipped: finished.skipped, errors },
    },
  });
  logger.info("import finished", { jobId, created: finished.created, skipped: finished.skipped, errors });
}

async function failImport(ctx: RequestContext, jobId: string): Promise<void> {
  const [failed] = await failJob(ctx.db, jobId, ctx.now());
  if (!failed) return;
  logger.error("import job failed: a chunk exhausted its retries", { jobId });
  await commit(ctx, {
    audit: {
      action: "user_import.finished",
      actorId: failed.createdBy,
      target: { type: "user_import", id: jobId },
      metadata: { status: "failed" },
    },
  });
}
