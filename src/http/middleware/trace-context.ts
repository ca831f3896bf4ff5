import { createMiddleware } from "hono/factory";
import { toHex } from "../../crypto/encoding";
import type { AppEnv } from "../app-env";

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): an incoming valid `traceparent` is continued — its
 * trace id kept, a new span id for this hop, its sampled flag kept — otherwise a new trace starts. The ids go on
 * every log line of the request (platform/logger.ts LogScope) and back in the response's `traceparent`, so a
 * client's or a proxy's trace finds Gatehouse's lines; Workers' own traces (wrangler `[observability.traces]`,
 * exported over OTLP: docs/observability.md) sit beside them.
 */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** Parses a `traceparent` header (version 00, or a later version read as 00); null when it is not valid. */
export function parseTraceparent(header: string | undefined | null): TraceParent | null {
  if (!header) return null;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(header.trim());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  // Version ff is invalid; version 00 has exactly four fields; a later version may carry more.
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` this hop sends on. */
export function formatTraceparent(t: TraceParent): string {
  return `00-${t.traceId}-${t.spanId}-${t.sampled ? "01" : "00"}`;
}

export function traceContext(random: (n: number) => Uint8Array) {
  return createMiddleware<AppEnv>(async function traceparent(c, next) {
    const incoming = parseTraceparent(c.req.header("traceparent"));
    const span = toHex(random(8));
    const trace: TraceParent = incoming
      ? {
          traceId: incoming.traceId,
          spanId: span === ZERO_SPAN ? "0000000000000001" : span,
          sampled: incoming.sampled,
        }
      : { traceId: toHex(random(16)), spanId: span, sampled: false };
    c.set("trace", trace);
    await next();
    c.res.headers.set("traceparent", formatTraceparent(trace));
  });
}
