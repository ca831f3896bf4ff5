import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import { resealConnection } from "./sealing";
import { connectionsNotUnderKey, resealConnectionStatement } from "./store";

/**
 * After an `ENCRYPTION_KEYS` rotation (the new key first, the old one kept), the daily cron moves every team's
 * sealed Virtuozzo credential and stored session key to the current key, a bounded batch per run, so the old key
 * can be removed once nothing uses it (docs/virtuozzo.md). A value no configured key opens is logged by team, never
 * printed, and left for an operator; a row changed meanwhile (a reconnect, a refresh) is not overwritten.
 */
export async function resealVirtuozzoSecrets(ctx: RequestContext, batchSize = 100): Promise<number> {
  const current = ctx.config.ENCRYPTION_KEYS[0];
  if (!current) return 0;
  const rows = await connectionsNotUnderKey(ctx.db, current.id, batchSize);
  let moved = 0;
  for (const row of rows) {
    const to = await resealConnection(ctx, row.teamId, row);
    if (!to) {
      logger.error("Virtuozzo secret cannot be opened with any configured key", { teamId: row.teamId });
      continue;
    }
    const [updated] = await resealConnectionStatement(ctx.db, { teamId: row.teamId, from: row, to });
    if (updated) moved += 1;
  }
  return moved;
}
