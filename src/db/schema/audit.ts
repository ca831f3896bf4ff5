import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The audit trail.
// Every security event. `actorId`/`targetId` are kept when a user is erased (pseudonymised elsewhere).
export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    teamId: text("team_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    reason: text("reason"),
    metadata: text("metadata").notNull().default("{}"),
  },
  (t) => [
    index("audit_logs_at_idx").on(t.at),
    index("audit_logs_actor_idx").on(t.actorId, t.at),
    index("audit_logs_target_idx").on(t.targetId, t.at),
    index("audit_logs_action_idx").on(t.action, t.at),
    // The audit viewer's team and IP filters, newest first with the keyset's id tie-break (features/audit).
    index("audit_logs_team_idx").on(t.teamId, t.at, t.id),
    index("audit_logs_ip_idx").on(t.ip, t.at, t.id),
  ],
);
