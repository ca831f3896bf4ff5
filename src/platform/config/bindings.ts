import type { AbuseMonitor } from "../../../durable-objects/abuse-monitor";
import type { CircuitBreaker } from "../../../durable-objects/circuit-breaker";
import type { MetricsAggregator } from "../../../durable-objects/metrics-aggregator";
import type { RateLimiter } from "../../../durable-objects/rate-limiter";
import type { TeamEvents } from "../../../durable-objects/team-events";
import type { TeamLedger } from "../../../durable-objects/team-ledger";
import type { UserSessionGate } from "../../../durable-objects/user-session-gate";
import type { VirtuozzoSession } from "../../../durable-objects/virtuozzo-session";
import type { EmailQueueMessage } from "../../email/types";

/** The storage, Durable Object and queue bindings, as declared in wrangler.toml. */
export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  USER_SESSION_GATE: DurableObjectNamespace<UserSessionGate>;
  VIRTUOZZO_SESSION: DurableObjectNamespace<VirtuozzoSession>;
  TEAM_LEDGER: DurableObjectNamespace<TeamLedger>;
  TEAM_EVENTS: DurableObjectNamespace<TeamEvents>;
  METRICS: DurableObjectNamespace<MetricsAggregator>;
  /** Abuse signals per network (features/abuse): one object per ASN, else per /24 (/48). */
  ABUSE_MONITOR: DurableObjectNamespace<AbuseMonitor>;
  /** One circuit breaker per outbound dependency (platform/outbound/breaker.ts), plus their registry. */
  CIRCUIT_BREAKER: DurableObjectNamespace<CircuitBreaker>;
  EMAIL_QUEUE: Queue<EmailQueueMessage>;
  /** Bulk user import: one message per chunk of an import job's rows (features/user-import/queue.ts). */
  IMPORT_QUEUE: Queue<{ jobId: string; seq: number }>;
  /** Optional Workers Analytics Engine dataset: a data point per sign-in event counted (docs/analytics.md). */
  ANALYTICS?: AnalyticsEngineDataset | undefined;
  /** Optional Workers Analytics Engine dataset for the operational counters (platform/metrics.ts, ops/grafana). */
  METRICS_DATASET?: AnalyticsEngineDataset | undefined;
}
