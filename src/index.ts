import { createWorker } from "./worker";

export { RateLimiter } from "../durable-objects/rate-limiter";
export { UserSessionGate } from "../durable-objects/user-session-gate";

export default createWorker();
