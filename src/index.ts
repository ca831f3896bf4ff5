import { createWorker } from "./worker";

export { RateLimiter } from "../durable-objects/rate-limiter";
export { TeamLedger } from "../durable-objects/team-ledger";
export { TeamEvents } from "../durable-objects/team-events";
export { UserSessionGate } from "../durable-objects/user-session-gate";
export { VirtuozzoSession } from "../durable-objects/virtuozzo-session";

export default createWorker();
