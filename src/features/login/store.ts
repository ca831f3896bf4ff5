import { and, eq, gt, sql } from "drizzle-orm";
import { toHex } from "../../crypto/encoding";
import type { Db } from "../../db/client";
import { insertLoginEvent, type LoginOutcome } from "../../db/login-events";
import { loginApprovals } from "../../db/tables";
import type { RequestContext } from "../../platform/context";

export type LoginApprovalRow = typeof loginApprovals.$inferSelect;

/** An approval carries its user's security stamp of the moment: a reset, a password change… void its links. */
export function insertLoginApproval(db: Db, row: Omit<typeof loginApprovals.$inferInsert, "securityStamp">) {
  return db.insert(loginApprovals).values({
    ...row,
    securityStamp: sql`(SELECT u.security_stamp FROM users u WHERE u.id = ${row.userId})`,
  });
}

/** The approval's user still signs in under the stamp the login started with. */
const stampCurrent = sql`${loginApprovals.securityStamp} = (SELECT u.security_stamp FROM users u WHERE u.id = ${loginApprovals.userId})`;

export function findLoginApproval(db: Db, id: string): Promise<LoginApprovalRow | undefined> {
  return db.select().from(loginApprovals).where(eq(loginApprovals.id, id)).get();
}

/** The approval a link token (hashed) belongs to, whatever its state: what the link would decide, and for which login. */
export function findLoginApprovalByToken(
  db: Db,
  decision: "approved" | "denied",
  tokenHash: string,
): Promise<LoginApprovalRow | undefined> {
  const column = decision === "approved" ? loginApprovals.approveHash : loginApprovals.denyHash;
  return db
    .select()
    .from(loginApprovals)
    .where(and(eq(column, tokenHash), stampCurrent))
    .get();
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
      and(
        eq(column, tokenHash),
        eq(loginApprovals.status, "pending"),
        gt(loginApprovals.expiresAt, now),
        stampCurrent,
      ),
    )
    .returning()
    .get();
}

/** A risk evaluation as a login-activity row records it (features/login/risk/risk.ts `evaluateRisk`). */
export interface LoginEventRisk {
  score: number;
  reasons: readonly string[];
}

/**
 * The login-activity row of this request's client (login_events, see db/login-events.ts). `risk`, when given,
 * is recorded as `risk_score` and `risk_reasons` (a JSON array); without it both stay null (not evaluated).
 */
export function loginEvent(
  ctx: RequestContext,
  event: {
    userId: string;
    outcome: LoginOutcome;
    reason: string | null;
    id?: string;
    risk?: LoginEventRisk | null;
  },
) {
  const client = ctx.client;
  return insertLoginEvent(ctx.db, {
    id: event.id ?? toHex(ctx.random(16)),
    userId: event.userId,
    at: ctx.now(),
    outcome: event.outcome,
    reason: event.reason,
    ip: client.ip,
    country: client.country,
    city: client.city,
    asn: client.asn,
    latitude: client.latitude,
    longitude: client.longitude,
    device: client.device,
    riskScore: event.risk ? event.risk.score : null,
    riskReasons: event.risk ? JSON.stringify(event.risk.reasons) : null,
  });
}
