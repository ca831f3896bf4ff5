import { Hono } from "hono";
import { constantTimeEqual, utf8 } from "../../crypto/encoding";
import type { AppEnv } from "../../http/app-env";
import { AuthError } from "../../platform/errors";
import { flushMetrics } from "../../platform/metrics";
import { exposition } from "./exposition";

/** Same length digests compared in constant time: neither the token's content nor its length leaks. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest("SHA-256", utf8(s))));
  return constantTimeEqual(new Uint8Array(a as ArrayBuffer), new Uint8Array(b as ArrayBuffer));
}

/**
 * `GET /metrics`: Prometheus text exposition of the counters summed across isolates (platform/metrics.ts,
 * durable-objects/metrics-aggregator.ts), behind `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise; 404
 * while no token is configured: the endpoint does not exist then).
 */
export function metricsRoutes() {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    const token = c.var.config.METRICS_TOKEN;
    if (!token) throw new AuthError("not_found");
    const given = /^Bearer ([^\s]+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (!given || !(await sameSecret(given, token))) {
      throw new AuthError("unauthorized", { headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
    }
    const aggregator = c.env.METRICS;
    // This isolate's pending increments first, so a scrape right after a request sees it.
    await flushMetrics({ aggregator, dataset: c.env.METRICS_DATASET }, c.var.ctx.now(), true);
    const series = await aggregator.get(aggregator.idFromName("global")).read();
    c.header("Cache-Control", "no-store");
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(exposition(series));
  });
}
