/**
 * Bench-only routes of `bench/audit.mjs` (issue 17 "Must show"), served by bench/bench-worker.ts under
 * `wrangler dev`, never deployed: seed the local D1 with synthetic audit entries and daily rollups, and run the
 * audit viewer's, the export's and the analytics' own service functions, timed inside the Worker. They skip
 * only the platform-role guard (a 2FA-enrolled admin cannot be scripted from Node without the TOTP code).
 */
import { analyticsReport } from "../src/features/analytics/analytics";
import { exportAuditLogs, listAuditLogs } from "../src/features/audit/audit-log";
import { type Env, parseConfig } from "../src/platform/config";
import { createContext } from "../src/platform/context";
import { defaultDeps } from "../src/platform/deps";

const YEAR_MS = 365 * 86_400_000;

export async function auditBenchRoute(request: Request, env: Env): Promise<Response | undefined> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith("/__bench/audit/")) return undefined;
  try {
    return await route(url, env);
  } catch (error) {
    return Response.json(
      { error: String(error), detail: (error as { detail?: string }).detail },
      { status: 500 },
    );
  }
}

async function route(url: URL, env: Env): Promise<Response> {
  const parsed = parseConfig(env);
  if (!parsed.ok) return new Response(parsed.reasons.join("\n"), { status: 503 });
  const ctx = createContext(defaultDeps, { env, config: parsed.config });
  const q = Object.fromEntries(url.searchParams);
  switch (url.pathname) {
    case "/__bench/audit/seed": {
      // rows start+1 .. start+count of `total`, spread evenly over the last 365 days (row 1 the newest); the
      // CASTs keep `i` an INTEGER (D1 binds numbers as REAL, and `3.0 % 500` would name team "bench-team-3.0")
      const { start = "0", count = "100000", total = "1000000" } = q;
      const started = performance.now();
      await env.DB.prepare(
        `INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id, team_id, ip, user_agent, reason, metadata)
         WITH RECURSIVE n(i) AS (SELECT CAST(?1 AS INTEGER) + 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 + ?2)
         SELECT printf('%032x', i), CAST(?3 AS INTEGER) - i * CAST(?4 AS INTEGER), 'bench-actor-' || (i % 1000),
           CASE i % 5 WHEN 0 THEN 'login.succeeded' WHEN 1 THEN 'login.failed' WHEN 2 THEN 'session.created'
             WHEN 3 THEN 'session.logout' ELSE 'team.updated' END,
           'user', 'bench-user-' || (i % 20000), 'bench-team-' || (i % 500),
           '10.' || (i % 250) || '.' || ((i / 250) % 250) || '.1', 'bench', NULL, '{"bench":true}'
         FROM n`,
      )
        .bind(Number(start), Number(count), Date.now(), Math.floor(YEAR_MS / Number(total)))
        .run();
      // one rollup row per day of the last year (what a year of real events leaves)
      await env.DB.prepare(
        `INSERT OR REPLACE INTO analytics_daily
         WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < 365)
         SELECT date('now', '-' || k || ' days'), 900 + k, 100 + k % 50, k % 7, k % 11, k % 5, k % 3, 800, 800 * 1800 FROM d`,
      ).run();
      return Response.json({ ms: performance.now() - started });
    }
    case "/__bench/audit/page": {
      const { cursor, limit = "50", ...filters } = q;
      const started = performance.now();
      const page = await listAuditLogs(ctx, {
        query: filters,
        limit: Number(limit),
        ...(cursor ? { cursor } : {}),
      });
      return Response.json({
        ms: performance.now() - started,
        items: page.items.length,
        next: page.nextCursor,
      });
    }
    case "/__bench/audit/analytics": {
      const started = performance.now();
      const report = await analyticsReport(ctx, { from: q.from, to: q.to });
      return Response.json({ ms: performance.now() - started, days: report.daily.length });
    }
    case "/__bench/audit/export": {
      const { format = "jsonl", ...filters } = q;
      const stream = await exportAuditLogs(ctx, {
        actorId: "bench",
        query: filters,
        format: format === "csv" ? "csv" : "jsonl",
      });
      return new Response(stream, { headers: { "content-type": "application/jsonl" } });
    }
    default:
      return new Response("not found", { status: 404 });
  }
}
