import { and, eq, gt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { loginApprovals } from "../../db/schema/identity";

export type LoginApprovalRow = typeof loginApprovals.$inferSelect;
export type LoginApprovalStatus = LoginApprovalRow["status"];

export function insertLoginApproval(db: Db, row: typeof loginApprovals.$inferInsert) {
  return db.insert(loginApprovals).values(row);
}

export function findLoginApproval(db: Db, id: string): Promise<LoginApprovalRow | undefined> {
  return db.select().from(loginApprovals).where(eq(loginApprovals.id, id)).get();
}

/**
 * Decides a pending, unexpired approval by one of its link tokens (hashed), in one conditional write: a link
 * works once, and after either decision both links are dead. Returns the decided row, or undefined.
 */
export function decideLoginApproval(
  db: Db,
  decision: "approved" | "denied",
  tokenHash: string,
  now: number,
): Promise<LoginApprovalRow | undefined> {
  const column = decision === "approved" ? loginApprovals.approveHash : loginApprovals.denyHash;
  return db
    .update(loginApprovals)
    .set({ status: decision, decidedAt: now })
    .where(
      and(eq(column, tokenHash), eq(loginApprovals.status, "pending"), gt(loginApprovals.expiresAt, now)),
    )
    .returning()
    .get();
}
