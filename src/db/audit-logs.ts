import { and, desc, eq } from "drizzle-orm";
import type { Db } from "./client";
import { auditLogs } from "./schema/identity";

export type AuditRow = typeof auditLogs.$inferSelect;

export function insertAuditLog(db: Db, row: typeof auditLogs.$inferInsert) {
  return db.insert(auditLogs).values(row);
}

/** Latest entries about a target (newest first). */
export function auditForTarget(db: Db, targetId: string, limit = 50): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLogs)
    .where(eq(auditLogs.targetId, targetId))
    .orderBy(desc(auditLogs.at))
    .limit(limit);
}

export function auditByAction(db: Db, action: string, targetId: string): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLogs)
    .where(and(eq(auditLogs.action, action), eq(auditLogs.targetId, targetId)))
    .orderBy(desc(auditLogs.at));
}
