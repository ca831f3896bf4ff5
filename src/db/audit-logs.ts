import type { Db } from "./client";
import { auditLogs } from "./tables";

export type AuditRow = typeof auditLogs.$inferSelect;

export function insertAuditLog(db: Db, row: typeof auditLogs.$inferInsert) {
  return db.insert(auditLogs).values(row);
}
