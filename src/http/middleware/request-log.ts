import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { type Config, logSampleRate } from "../../platform/config";
import { inLogScope, isSampled, LogScope } from "../../platform/logger";
import { flushMetrics, observeRequest } from "../../platform/metrics";
import type { AppEnv } from "../app-env";

/**
 * One structured log line per request, at a cost the configuration chooses (LOG_LEVEL, LOG_SAMPLE_RATE). The
 * request's lines wait for its end (platform/logger.ts LogScope), which keeps them all or drops them all:
 * - always kept: 5xx, 4xx on /api/v1/auth/*, and requests that logged an error or a security event;
 * - otherwise kept when the request id is sampled in (isSampled: deterministic, so all lines agree).
 * The path is logged without its query string (one-time tokens travel in query strings) and the client IP is
 * truncated to its network part.
 */
export function requestLog(now: () => number) {
  return createMiddleware<AppEnv>(async function requestLogger(c, next) {
    const started = now();
    const scope = new LogScope({ requestId: c.var.requestId, traceId: c.var.trace?.traceId });
    await inLogScope(scope, next);
    const status = c.res.status;
    const path = new URL(c.req.url).pathname;
    const durationMs = now() - started;
    // Metrics by route pattern (bounded cardinality), never by path; flushed after the response.
    observeRequest(routeLabel(routePath(c)), status, durationMs / 1000);
    const flush = flushMetrics({ aggregator: c.env?.METRICS, dataset: c.env?.METRICS_DATASET }, now());
    try {
      c.executionCtx.waitUntil(flush);
    } catch {
      void flush;
    }
    const requestId = c.var.requestId;
    // Unset when the configuration is invalid (a 503): then everything is written.
    const config = c.get("config") as Config | undefined;
    const alwaysLogged = mustLog(status);
    scope.add({
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      msg: "request",
      fields: {
        requestId,
        method: c.req.method,
        route: routePath(c),
        path,
        status,
        durationMs,
        ipNetwork: networkOf(c.var.clientIp),
      },
      forced: alwaysLogged,
    });
    scope.settle({
      keep: !config || alwaysLogged || scope.mustKeep || isSampled(requestId, logSampleRate(config)),
      minLevel: config?.LOG_LEVEL ?? "debug",
    });
  });
}

/**
 * The requests whose line is written whatever the sampling and the level: every problem answer (4xx and 5xx), so
 * the `requestId` a problem body carries always finds its log line (docs/contract-notes.md); sampling drops only
 * whole successful requests.
 */
function mustLog(status: number): boolean {
  return status >= 400;
}

/** The matched route's pattern; `unmatched` for a request no route answered (a 404 of the fallback). */
function routeLabel(pattern: string): string {
  return pattern === "" || pattern === "*" || pattern === "/*" ? "unmatched" : pattern;
}

/** 203.0.113.7 → 203.0.113.0; 2001:db8:1:2::7 → 2001:db8:1::. Enough to spot abuse, not to identify. */
function networkOf(ip: string | undefined): string | null {
  if (!ip) return null;
  if (ip.includes(".")) return ip.split(".").slice(0, 3).concat("0").join(".");
  return `${ip.split(":").slice(0, 3).join(":")}::`;
}
