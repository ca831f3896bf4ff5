import type { RequestContext } from "../../platform/context";
import { commit } from "../../platform/unit-of-work";
import { deleteAuditEntriesBefore, deleteLoginEventsBefore } from "./store";

/** Rows one DELETE statement removes, and statements per table per run (≤ 250,000 rows a day each). */
export const PURGE_BATCH = 5000;
export const PURGE_MAX_BATCHES = 50;

/**
 * The daily retention purge (maintenance cron): deletes audit entries and login activity older than
 * `AUDIT_RETENTION_DAYS`, in bounded batches; idempotent (a second run finds nothing) and resumable (what one
 * run leaves, the next one takes). A run that deleted something is itself audited, with the counts.
 */
export async function purgeExpiredAuditLogs(
  ctx: RequestContext,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<{ auditEntries: number; loginEvents: number }> {
  const batch = options.batch ?? PURGE_BATCH;
  const maxBatches = options.maxBatches ?? PURGE_MAX_BATCHES;
  const before = ctx.now() - ctx.config.AUDIT_RETENTION_DAYS * 86_400_000;
  const drain = async (remove: (n: number) => Promise<number>) => {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await remove(batch);
      total += n;
      if (n < batch) break;
    }
    return total;
  };
  const auditEntries = await drain((n) => deleteAuditEntriesBefore(ctx.db, before, n));
  const loginEvents = await drain((n) => deleteLoginEventsBefore(ctx.db, before, n));
  if (auditEntries + loginEvents > 0) {
    await commit(ctx, {
      audit: {
        action: "audit.purged",
        metadata: {
          auditEntries,
          loginEvents,
          before: new Date(before).toISOString(),
          retentionDays: ctx.config.AUDIT_RETENTION_DAYS,
        },
      },
    });
  }
  return { auditEntries, loginEvents };
}
