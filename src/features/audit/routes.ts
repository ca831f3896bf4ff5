import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { AUDIT_ACTIONS, type AuditAction } from "../../platform/audit";
import { auditActionCatalogue, exportAuditLogs, listAuditLogs } from "./audit-log";

const ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as [AuditAction, ...AuditAction[]];
const Id = z.string().min(1).max(200);

/** The filters shared by the list and the export (times ISO 8601 UTC, inclusive). */
export const AuditFilterQuery = z.object({
  actor: Id.optional().openapi({ description: "The actor's user id" }),
  action: z.enum(ACTION_NAMES).optional().openapi({ description: "An action of the catalogue" }),
  target: Id.optional().openapi({ description: "The target's id" }),
  teamId: Id.optional(),
  ip: z.string().min(1).max(45).optional(),
  from: z.iso.datetime({ offset: true }).optional().openapi({ example: "2026-01-01T00:00:00Z" }),
  to: z.iso.datetime({ offset: true }).optional(),
});

const ListAuditQuery = AuditFilterQuery.extend({
  cursor: z.string().max(120).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const ExportQuery = AuditFilterQuery.extend({ format: z.enum(["csv", "jsonl"]).default("csv") });

const AuditItemSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ id: z.string(), email: z.string().nullable() }).nullable(),
    action: z.string(),
    target: z.object({ type: z.string().nullable(), id: z.string() }).nullable(),
    teamId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    reason: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEntry");

const AuditPage = z
  .object({ items: z.array(AuditItemSchema), nextCursor: z.string().nullable() })
  .openapi("AuditPage");

const Catalogue = z
  .object({ items: z.array(z.object({ name: z.string(), description: z.string() })) })
  .openapi("AuditActionCatalogue");

const PROBLEMS = {
  401: problem("unauthorized"),
  403: problem("forbidden (not admin or support)"),
  422: problem("validation_failed"),
} as const;

const list = createRoute({
  method: "get",
  path: "/api/v1/admin/audit-logs",
  tags: ["Admin"],
  summary: "Audit entries, newest first, filtered; keyset cursor (admin, support)",
  ...platformRoute("admin", "support"),
  request: { query: ListAuditQuery },
  responses: { 200: json(AuditPage, "A page of entries"), ...PROBLEMS },
});

const actions = createRoute({
  method: "get",
  path: "/api/v1/admin/audit-logs/actions",
  tags: ["Admin"],
  summary: "The catalogue of audited actions (admin, support)",
  ...platformRoute("admin", "support"),
  responses: { 200: json(Catalogue, "Every action with its description"), ...PROBLEMS },
});

const exportRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/audit-logs/export",
  tags: ["Admin"],
  summary:
    "Export the filtered entries as CSV (RFC 4180, formula-safe) or JSON Lines, streamed (admin, support)",
  ...platformRoute("admin", "support"),
  request: { query: ExportQuery },
  responses: {
    200: {
      description: "The entries, newest first, streamed as an attachment",
      content: { "text/csv": { schema: z.string() }, "application/jsonl": { schema: z.string() } },
    },
    ...PROBLEMS,
  },
});

export function auditRoutes() {
  return createRouter()
    .openapi(list, async (c) => {
      const { cursor, limit, ...query } = c.req.valid("query");
      c.header("Cache-Control", "no-store");
      return c.json(
        await listAuditLogs(c.var.ctx, { query, limit, ...(cursor !== undefined ? { cursor } : {}) }),
        200,
      );
    })
    .openapi(actions, (c) => c.json({ items: auditActionCatalogue() }, 200))
    .openapi(exportRoute, async (c) => {
      const { format, ...query } = c.req.valid("query");
      const stream = await exportAuditLogs(c.var.ctx, { actorId: c.var.auth.userId, query, format });
      const stamp = new Date(c.var.ctx.now()).toISOString().slice(0, 19).replaceAll(":", "");
      return c.body(stream, 200, {
        "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
        "Content-Disposition": `attachment; filename="audit-${stamp}Z.${format}"`,
        "Cache-Control": "no-store",
      });
    });
}
