import type { MetricIncrement, MetricsAggregator } from "../../durable-objects/metrics-aggregator";

export type { MetricIncrement };

/**
 * Gatehouse's Prometheus metrics (../shared/API.md "Operations"): the catalogue, and the per-isolate recorder.
 * Per-isolate counters mean nothing on Workers (many isolates, each short-lived), so every isolate buffers its
 * increments in memory and flushes them — at most every FLUSH_INTERVAL_MS, after the response
 * (waitUntil) — to the one MetricsAggregator Durable Object, which sums them; `GET /metrics` reads the sums.
 * Recording costs a map update; the flush is one Durable Object call per isolate per interval, never on the
 * response's path. An isolate evicted between flushes loses at most that interval's increments.
 */
export const METRIC_CATALOGUE = {
  gatehouse_logins_total: {
    type: "counter",
    help: "Password steps of logins, by outcome",
    labels: ["outcome"],
  },
  gatehouse_login_steps_total: { type: "counter", help: "Login steps required, by step", labels: ["step"] },
  gatehouse_rate_limited_total: {
    type: "counter",
    help: "Requests refused by a rate limit, by rule",
    labels: ["rule"],
  },
  gatehouse_lockouts_total: {
    type: "counter",
    help: "Accounts locked after consecutive failed logins",
    labels: [],
  },
  gatehouse_emails_total: {
    type: "counter",
    help: "Mails handed to the provider, by result",
    labels: ["result"],
  },
  gatehouse_email_provider_results_total: {
    type: "counter",
    help: "Send attempts per email provider (failover: docs/email-delivery.md), by result: sent, rejected, failed, timeout, open",
    labels: ["provider", "result"],
  },
  gatehouse_email_events_total: {
    type: "counter",
    help: "Delivery events reported by the providers' webhooks, by provider and kind (hard_bounce, soft_bounce, complaint, delivered, delayed)",
    labels: ["provider", "kind"],
  },
  gatehouse_abuse_signals_total: {
    type: "counter",
    help: "Abuse signals started (features/abuse), by kind and network level",
    labels: ["kind", "level"],
  },
  gatehouse_risky_logins_total: {
    type: "counter",
    help: "Logins whose risk score reached a threshold (features/login/risk/risk.ts), by level: approval or step_up",
    labels: ["level"],
  },
  gatehouse_login_risk_reasons_total: {
    type: "counter",
    help: "Risk reasons found at the password step of logins, by reason",
    labels: ["reason"],
  },
  gatehouse_virtuozzo_refresh_failures_total: {
    type: "counter",
    help: "Virtuozzo session refreshes that failed (provider down or credential rejected)",
    labels: [],
  },
  gatehouse_refresh_reuse_total: {
    type: "counter",
    help: "Reused refresh tokens (their session revoked)",
    labels: [],
  },
  gatehouse_dependency_calls_total: {
    type: "counter",
    help: "Outbound dependency calls (platform/outbound/breaker.ts), by dependency and outcome: success, failure, timeout, rejected (breaker open)",
    labels: ["dependency", "outcome"],
  },
  gatehouse_breaker_transitions_total: {
    type: "counter",
    help: "Circuit breaker transitions, by dependency and new state: open or closed",
    labels: ["dependency", "state"],
  },
  gatehouse_http_request_duration_seconds: {
    type: "histogram",
    help: "Request duration in the Worker, by route and status class",
    labels: ["route", "status"],
  },
} as const;

export type MetricName = keyof typeof METRIC_CATALOGUE;
export type CounterName = {
  [K in MetricName]: (typeof METRIC_CATALOGUE)[K]["type"] extends "counter" ? K : never;
}[MetricName];

/** Histogram bucket upper bounds, seconds (the Prometheus client default set, trimmed to a Worker's range). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10] as const;
// 0.15: the seeds' API target (p95 < 150 ms) is then exactly "at most 5 % of requests above this bucket".

export const FLUSH_INTERVAL_MS = 5_000;

/** A series key: stable (labels sorted), so the same series from two isolates sums into one row. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return `${name}|${parts.join(",")}`;
}

/** A label value as Prometheus will see it: bounded, one line. */
function labelValue(value: string): string {
  return value.replace(/[\r\n]/g, " ").slice(0, 120);
}

class MetricsBuffer {
  #pending = new Map<string, MetricIncrement>();
  #lastFlush = 0;

  add(name: string, labels: Record<string, string>, value: number): void {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) clean[k] = labelValue(v);
    const key = seriesKey(name, clean);
    const entry = this.#pending.get(key);
    if (entry) entry.value += value;
    else this.#pending.set(key, { name, labels: clean, value });
  }

  /** The increments to send now (and forgets them), or nothing when the last flush is recent. */
  take(now: number, force: boolean): MetricIncrement[] {
    if (this.#pending.size === 0 || (!force && now - this.#lastFlush < FLUSH_INTERVAL_MS)) return [];
    this.#lastFlush = now;
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    return entries;
  }

  /** Puts increments back after a failed flush (they go with the next one). */
  restore(entries: MetricIncrement[]): void {
    for (const e of entries) this.add(e.name, e.labels, e.value);
  }
}

const buffer = new MetricsBuffer();

/** Counts an event of a counter of the catalogue. */
export function countMetric(name: CounterName, labels: Record<string, string> = {}, by = 1): void {
  buffer.add(name, labels, by);
}

/** Observes a request duration: one histogram bucket (cumulative at exposition), the sum and the count. */
export function observeRequest(route: string, status: number, seconds: number): void {
  const name = "gatehouse_http_request_duration_seconds";
  const labels = { route, status: `${Math.floor(status / 100)}xx` };
  const bucket = DURATION_BUCKETS.find((b) => seconds <= b);
  buffer.add(`${name}_bucket`, { ...labels, le: bucket === undefined ? "+Inf" : String(bucket) }, 1);
  buffer.add(`${name}_sum`, labels, seconds);
  buffer.add(`${name}_count`, labels, 1);
}

/** Where flushed increments go: the aggregator behind `GET /metrics`, and Analytics Engine when bound. */
export interface MetricSinks {
  aggregator?: DurableObjectNamespace<MetricsAggregator> | undefined;
  /** The optional `METRICS_DATASET` binding (ops/grafana reads it through the SQL API). */
  dataset?: AnalyticsEngineDataset | undefined;
}

/** Analytics Engine takes at most 250 data points per invocation: keep a margin for the sign-in points. */
export const MAX_POINTS_PER_FLUSH = 200;

/**
 * One increment as an Analytics Engine data point (docs/observability.md): index1 and blob1 the metric's name,
 * blob2..blob4 its label values in the catalogue's order (histogram buckets: route, status, le), blob5 the whole
 * series key, double1 the increment. The runtime adds the timestamp, so each flush is a point in time.
 */
export function dataPointOf(entry: MetricIncrement): AnalyticsEngineDataPoint {
  const base = entry.name.replace(/_(bucket|sum|count)$/, "") as MetricName;
  const order: readonly string[] = [
    ...((METRIC_CATALOGUE[base]?.labels ?? []) as readonly string[]),
    ...(entry.name.endsWith("_bucket") ? ["le"] : []),
  ];
  const values = order.map((k) => entry.labels[k] ?? "");
  while (values.length < 3) values.push("");
  return {
    indexes: [entry.name],
    blobs: [entry.name, ...values.slice(0, 3), seriesKey(entry.name, entry.labels)],
    doubles: [entry.value],
  };
}

/**
 * Sends this isolate's increments to the aggregator and to Analytics Engine when the interval has passed (or
 * `force`): meant for `waitUntil`. Never throws: a failed aggregator call keeps the increments for the next
 * flush; Analytics Engine writes are buffered by the runtime (at most MAX_POINTS_PER_FLUSH, the biggest first).
 */
export async function flushMetrics(sinks: MetricSinks, now: number, force = false): Promise<void> {
  const { aggregator, dataset } = sinks;
  if (!aggregator && !dataset) return;
  const entries = buffer.take(now, force);
  if (entries.length === 0) return;
  if (dataset) {
    const points = [...entries].sort((a, b) => b.value - a.value).slice(0, MAX_POINTS_PER_FLUSH);
    try {
      for (const entry of points) dataset.writeDataPoint(dataPointOf(entry));
    } catch {
      // A dashboard point lost is never a request's failure; the aggregator below still gets the increments.
    }
  }
  if (!aggregator) return;
  try {
    await aggregator.get(aggregator.idFromName("global")).add(entries);
  } catch {
    buffer.restore(entries);
  }
}

/** The counters an audited action moves: the audit trail is where these events are already recorded once. */
const AUDITED: Record<string, { name: CounterName; labels: Record<string, string> }[]> = {
  "login.succeeded": [{ name: "gatehouse_logins_total", labels: { outcome: "success" } }],
  "login.failed": [{ name: "gatehouse_logins_total", labels: { outcome: "failure" } }],
  "login.unverified": [{ name: "gatehouse_logins_total", labels: { outcome: "unverified" } }],
  "login.locked": [
    { name: "gatehouse_logins_total", labels: { outcome: "failure" } },
    { name: "gatehouse_lockouts_total", labels: {} },
  ],
  "session.token_reused": [{ name: "gatehouse_refresh_reuse_total", labels: {} }],
  "virtuozzo.refresh_failed": [{ name: "gatehouse_virtuozzo_refresh_failures_total", labels: {} }],
};

/** Counts the committed audit entries' metrics (called by the unit of work after its batch). */
export function countAudited(actions: readonly string[]): void {
  for (const action of actions) {
    for (const { name, labels } of AUDITED[action] ?? []) countMetric(name, labels);
  }
}
