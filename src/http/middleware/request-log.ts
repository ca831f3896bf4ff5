import { createMiddleware } from "hono/factory";
import { log } from "../../platform/logger";
import type { AppEnv } from "../app-env";

/**
 * One structured log line per request. The path is logged without its query string (one-time tokens travel
 * in query strings) and the client IP is truncated to its network part.
 */
export function requestLog(now: () => number) {
  return createMiddleware<AppEnv>(async function requestLogger(c, next) {
    const started = now();
    await next();
    const status = c.res.status;
    log(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request", {
      requestId: c.var.requestId,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status,
      durationMs: now() - started,
      ipNetwork: networkOf(c.var.clientIp),
    });
  });
}

/** 203.0.113.7 → 203.0.113.0; 2001:db8:1:2::7 → 2001:db8:1::. Enough to spot abuse, not to identify. */
function networkOf(ip: string | undefined): string | null {
  if (!ip) return null;
  if (ip.includes(".")) return ip.split(".").slice(0, 3).concat("0").join(".");
  return `${ip.split(":").slice(0, 3).join(":")}::`;
}
