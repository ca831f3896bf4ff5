import { createWorker } from "./worker";

export { RateLimiter } from "../durable-objects/rate-limiter";

export default createWorker();
