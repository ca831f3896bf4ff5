import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { purgeExpiredAuditLogs } from "../../../src/features/audit/retention";
import { type Env, parseConfig } from "../../../src/platform/config";
import { createContext } from "../../../src/platform/context";
import { defaultDeps } from "../../../src/platform/deps";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { marker, seedAuditRows } from "./support";

const DAY = 86_400_000;

/** A context whose clock reads `now` (the purge's cut-off is now - AUDIT_RETENTION_DAYS). */
function contextAt(now: number, vars: Partial<Env> = {}) {
  const parsed = parseConfig({ ...(env as unknown as Env), ...vars });
  if (!parsed.ok) throw new Error(parsed.reasons.join("; "));
  return createContext(
    { ...defaultDeps, now: () => now },
    { env: env as unknown as Env, config: parsed.config },
  );
}

async function countAudit(prefix: string) {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE id LIKE ?")
    .bind(`${prefix}%`)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("audit retention", () => {
  it("deletes entries and login activity older than AUDIT_RETENTION_DAYS in bounded batches, idempotently", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("retained"));
    // The injected clock sits 400 days after the epoch, so the 365-day cut-off (day 35) touches only the
    // rows seeded here at day 0..1 (every other test writes at today's dates).
    const now = 400 * DAY;
    const m = marker();
    await seedAuditRows({ count: 450, prefix: `old${m}`, baseAt: 1 * DAY, teamId: m });
    await seedAuditRows({ count: 20, prefix: `kept${m}`, baseAt: 40 * DAY, teamId: m });
    await env.DB.prepare(
      `INSERT INTO login_events (id, user_id, at, outcome)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
       SELECT ?1 || i, ?2, CASE WHEN i <= 25 THEN i ELSE 40 * 86400000 END, 'failure' FROM n`,
    )
      .bind(`le${m}`, owner.userId)
      .run();
    const ctx = contextAt(now);
    expect(ctx.config.AUDIT_RETENTION_DAYS).toBe(365);

    const first = await purgeExpiredAuditLogs(ctx, { batch: 100, maxBatches: 3 });
    expect(first.auditEntries).toBe(300); // bounded: 3 statements of 100
    expect(await countAudit(`old${m}`)).toBe(150);
    const second = await purgeExpiredAuditLogs(ctx, { batch: 100, maxBatches: 3 });
    expect(second.auditEntries).toBe(150);
    expect(await countAudit(`old${m}`)).toBe(0);
    expect(await countAudit(`kept${m}`)).toBe(20);
    const logins = await env.DB.prepare("SELECT at FROM login_events WHERE id LIKE ?")
      .bind(`le${m}%`)
      .all<{ at: number }>();
    expect(logins.results.map((r) => r.at)).toEqual(Array(5).fill(40 * DAY));
    expect(first.loginEvents + second.loginEvents).toBe(25);

    // idempotent: nothing left to delete, and a run that deletes nothing writes no audit entry
    expect(await purgeExpiredAuditLogs(ctx, { batch: 100, maxBatches: 3 })).toEqual({
      auditEntries: 0,
      loginEvents: 0,
    });
    const purges = await env.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE action = 'audit.purged' AND at = ? ORDER BY rowid",
    )
      .bind(now)
      .all<{ metadata: string }>();
    expect(purges.results.map((r) => JSON.parse(r.metadata).auditEntries)).toEqual([300, 150]);
  });

  it("follows AUDIT_RETENTION_DAYS and refuses less than 30 days", async () => {
    const m = marker();
    await seedAuditRows({ count: 10, prefix: `r${m}`, baseAt: 10 * DAY, teamId: m });
    // 45 days kept: at day 50 the cut-off is day 5 (rows stay); at day 56 it is day 11 (rows go)
    await purgeExpiredAuditLogs(contextAt(50 * DAY, { AUDIT_RETENTION_DAYS: "45" }));
    expect(await countAudit(`r${m}`)).toBe(10);
    await purgeExpiredAuditLogs(contextAt(56 * DAY, { AUDIT_RETENTION_DAYS: "45" }));
    expect(await countAudit(`r${m}`)).toBe(0);
    const refused = parseConfig({ ...(env as unknown as Env), AUDIT_RETENTION_DAYS: "29" });
    expect(refused.ok ? [] : refused.variables).toEqual(["AUDIT_RETENTION_DAYS"]);
  });
});
