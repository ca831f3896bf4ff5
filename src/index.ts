import { createWorker } from "./worker";

export { AbuseMonitor } from "../durable-objects/abuse-monitor";
export { CircuitBreaker } from "../durable-objects/circuit-breaker";
export { MetricsAggregator } from "../durable-objects/metrics-aggregator";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { TeamEvents } from "../durable-objects/team-events";
export { TeamLedger } from "../durable-objects/team-ledger";
export { UserSessionGate } from "../durable-objects/user-session-gate";
export { VirtuozzoSession } from "../durable-objects/virtuozzo-session";

export default createWorker();
