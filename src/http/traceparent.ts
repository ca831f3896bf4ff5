/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent` values: parsed and formatted here, pure;
 * the middleware (http/middleware/trace-context.ts) continues or starts a request's trace with them.
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
