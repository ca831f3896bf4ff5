import { DurableObject } from "cloudflare:workers";

/** One series' increment: name, labels and the amount (src/platform/metrics.ts records them). */
export interface MetricIncrement {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The one place Gatehouse's metrics are summed across isolates (src/platform/metrics.ts): each isolate flushes
 * its buffered increments here at most every few seconds; `GET /metrics` reads the sums. SQLite-backed, so the
 * counters survive restarts (Prometheus counters must only go up). One object: a flush is one small batch per
 * isolate per interval — thousands of isolates flushing every 5 s stay far within one object's throughput.
 */
export class MetricsAggregator extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS series (key TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL)",
    );
  }

  add(entries: MetricIncrement[]): void {
    for (const e of entries) {
      if (!Number.isFinite(e.value) || e.value < 0) continue;
      const labels = JSON.stringify(
        Object.fromEntries(Object.entries(e.labels).sort(([a], [b]) => a.localeCompare(b))),
      );
      this.ctx.storage.sql.exec(
        "INSERT INTO series (key, name, labels, value) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
        `${e.name}|${labels}`,
        e.name,
        labels,
        e.value,
      );
    }
  }

  /** Every series' current sum. */
  read(): MetricIncrement[] {
    return this.ctx.storage.sql
      .exec<{ name: string; labels: string; value: number }>(
        "SELECT name, labels, value FROM series ORDER BY key",
      )
      .toArray()
      .map((r) => ({ name: r.name, labels: JSON.parse(r.labels) as Record<string, string>, value: r.value }));
  }
}
