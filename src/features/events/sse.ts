/**
 * Server-sent events framing (WHATWG HTML §9.2 "Server-sent events"): pure functions, no I/O. A frame is a set
 * of `field: value` lines ended by a blank line; a line starting with `:` is a comment (our heartbeat). Values
 * must not contain a line break: `data` is split into one `data:` line per line (the client joins them with
 * "\n"), the other fields refuse one (a stray CR/LF would let a value forge fields).
 */

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** The client's reconnection delay, in milliseconds. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

function field(name: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new TypeError(`SSE field "${name}" must be one line`);
  return `${name}: ${value}\n`;
}

/** One event frame. */
export function sseFrame(frame: SseFrame): string {
  let out = "";
  if (frame.retry !== undefined) {
    if (!Number.isSafeInteger(frame.retry) || frame.retry < 0) throw new TypeError("retry must be ms ≥ 0");
    out += `retry: ${frame.retry}\n`;
  }
  if (frame.id !== undefined) {
    if (frame.id.includes("\0")) throw new TypeError("an SSE id must not contain NUL");
    out += field("id", frame.id);
  }
  if (frame.event !== undefined) out += field("event", frame.event);
  if (frame.data !== undefined) {
    for (const line of frame.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/** A comment line (ignored by clients; keeps proxies and the client's idle timers from closing the stream). */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/** What each event's `data:` carries: the event as JSON. `dataJson` is already JSON text (stored as such). */
export interface EventPayload {
  type: string;
  dataJson: string;
  /** Epoch milliseconds. */
  time: number;
  source: "gatehouse" | "team";
}

/** `{"type":…,"data":…,"time":"ISO 8601","source":…}` built from the stored JSON text without re-parsing it. */
export function eventPayloadJson(event: EventPayload): string {
  return `{"type":${JSON.stringify(event.type)},"data":${event.dataJson},"time":${JSON.stringify(new Date(event.time).toISOString())},"source":${JSON.stringify(event.source)}}`;
}

/** The frame of one stored event: `id:` its number, `event:` its type, `data:` the JSON payload. */
export function eventFrame(event: EventPayload & { id: number }): string {
  return sseFrame({ id: String(event.id), event: event.type, data: eventPayloadJson(event) });
}
