import { AUDIT_ACTIONS, type AuditAction } from "../../platform/audit";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { decodeCursor, encodeCursor, type KeysetCursor } from "../../platform/pagination";
import { commit } from "../../platform/unit-of-work";
import { type AuditItem, csvHeader, csvLine, jsonLine } from "./encoders";
import { type AuditFilters, type AuditPageRow, auditPage } from "./store";

/** The filters as the API takes them (times ISO 8601 UTC, already validated by the route). */
export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  target?: string;
  teamId?: string;
  ip?: string;
  from?: string;
  to?: string;
}

/** Rows read from D1 per export page: big enough to amortise a round trip, small enough to stream. */
export const EXPORT_PAGE_ROWS = 1000;

function filtersOf(query: AuditQuery): AuditFilters {
  const from = query.from !== undefined ? Date.parse(query.from) : undefined;
  const to = query.to !== undefined ? Date.parse(query.to) : undefined;
  if (from !== undefined && to !== undefined && from > to) {
    throw AuthError.validation([{ path: "from", message: "from must not be after to." }]);
  }
  return {
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.target !== undefined ? { target: query.target } : {}),
    ...(query.teamId !== undefined ? { teamId: query.teamId } : {}),
    ...(query.ip !== undefined ? { ip: query.ip } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** A row as the contract shows it. */
export function toItem(row: AuditPageRow): AuditItem {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actorId ? { id: row.actorId, email: row.actorEmail } : null,
    action: row.action,
    target: row.targetId ? { type: row.targetType, id: row.targetId } : null,
    teamId: row.teamId,
    ip: row.ip,
    userAgent: row.userAgent,
    reason: row.reason,
    metadata: parseMetadata(row.metadata),
  };
}

/** GET /api/v1/admin/audit-logs: a page, newest first, and the cursor of the next one (null on the last). */
export async function listAuditLogs(
  ctx: RequestContext,
  input: { query: AuditQuery; cursor?: string; limit: number },
): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  let after: KeysetCursor | undefined;
  if (input.cursor !== undefined) {
    after = decodeCursor(input.cursor) ?? undefined;
    if (!after) throw AuthError.validation([{ path: "cursor", message: "Not a cursor of this list." }]);
  }
  const rows = await auditPage(ctx.db, {
    filters: filtersOf(input.query),
    ...(after ? { after } : {}),
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > input.limit && last ? encodeCursor({ at: last.at, id: last.id }) : null,
  };
}

/** GET /api/v1/admin/audit-logs/actions: the catalogue, in its order. */
export function auditActionCatalogue(): { name: AuditAction; description: string }[] {
  return (Object.entries(AUDIT_ACTIONS) as [AuditAction, string][]).map(([name, description]) => ({
    name,
    description,
  }));
}

export type ExportFormat = "csv" | "jsonl";

/**
 * GET /api/v1/admin/audit-logs/export: audits the export (who, which format and filters), then returns a
 * pull-driven stream that reads one keyset page from D1 only when the client has taken the previous one — the
 * whole result is never in memory, whatever its size (the test of 100,000 rows proves the laziness).
 */
export async function exportAuditLogs(
  ctx: RequestContext,
  input: { actorId: string; query: AuditQuery; format: ExportFormat },
): Promise<ReadableStream<Uint8Array>> {
  const filters = filtersOf(input.query);
  await commit(ctx, {
    audit: {
      action: "audit.exported",
      actorId: input.actorId,
      metadata: { format: input.format, filters: input.query },
    },
  });
  const encoder = new TextEncoder();
  const encode = input.format === "csv" ? csvLine : jsonLine;
  let after: KeysetCursor | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started && input.format === "csv") controller.enqueue(encoder.encode(csvHeader()));
        started = true;
        const rows = await auditPage(ctx.db, {
          filters,
          ...(after ? { after } : {}),
          limit: EXPORT_PAGE_ROWS,
        });
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((r) => encode(toItem(r))).join("")));
        const last = rows.at(-1);
        if (rows.length < EXPORT_PAGE_ROWS || !last) controller.close();
        else after = { at: last.at, id: last.id };
      },
    },
    { highWaterMark: 0 },
  );
}
