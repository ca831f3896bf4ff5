import { createMiddleware } from "hono/factory";
import { toHex } from "../../crypto/encoding";
import type { AppEnv } from "../app-env";
import { formatTraceparent, parseTraceparent, type TraceParent } from "../traceparent";

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): an incoming valid `traceparent` is continued — its
 * trace id kept, a new span id for this hop, its sampled flag kept — otherwise a new trace starts. The ids go on
 * every log line of the request (platform/logger.ts LogScope) and back in the response's `traceparent`, so a
 * client's or a proxy's trace finds Gatehouse's lines; Workers' own traces (wrangler `[observability.traces]`,
 * exported over OTLP: docs/observability.md) sit beside them.
 */
export function traceContext(random: (n: number) => Uint8Array) {
  return createMiddleware<AppEnv>(async function traceparent(c, next) {
    const incoming = parseTraceparent(c.req.header("traceparent"));
    const span = toHex(random(8));
    const trace: TraceParent = incoming
      ? {
          traceId: incoming.traceId,
          spanId: /^0+$/.test(span) ? "0000000000000001" : span,
          sampled: incoming.sampled,
        }
      : { traceId: toHex(random(16)), spanId: span, sampled: false };
    c.set("trace", trace);
    await next();
    c.res.headers.set("traceparent", formatTraceparent(trace));
  });
}
