import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Structured JSON logs with PII redaction: email addresses are masked, and any field whose name suggests a
 * secret (password, token, secret, authorization, cookie, code, key) is dropped to "[redacted]" whatever its
 * value. Logs are for operators: they must never hold a credential (ASVS V7.1).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const SECRET_KEY =
  /pass(word)?|token|secret|authori[sz]ation|cookie|^code$|codes|api[-_]?key|^key$|hash|otp/i;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)/g;

/** `alice@example.com` → `a***@example.com`. */
export function maskEmail(email: string): string {
  return email.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[truncated]";
  if (typeof value === "string") return maskEmail(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    // Driver errors quote the statement's bound parameters (hashes, tokens): never log them.
    const message = maskEmail(value.message.replace(/\n?params:[\s\S]*$/, " params: [redacted]"));
    return value.cause === undefined
      ? { name: value.name, message }
      : { name: value.name, message, cause: redact(value.cause, depth + 1) };
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LogLine {
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
  /** Written whatever the sampling and the level: errors, security events, the line of an always-logged request. */
  forced: boolean;
}

function write({ level, msg, fields }: LogLine): void {
  const line = JSON.stringify({ level, msg, ...(redact(fields) as Record<string, unknown>) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** What a request's end decided about its lines. */
export interface LogDecision {
  /** The request is sampled in (or must be logged): its lines at or above `minLevel` are written. */
  keep: boolean;
  minLevel: LogLevel;
}

function written(line: LogLine, decision: LogDecision): boolean {
  return line.forced || (decision.keep && LEVEL_RANK[line.level] >= LEVEL_RANK[decision.minLevel]);
}

/**
 * The log lines of one request (http/middleware/request-log.ts). They wait here, unformatted, until the request
 * ends and its sampling decision is known — so a request's lines are written all together or not at all (the
 * forced ones always), and a dropped line costs no redaction nor JSON. Lines logged after the decision (work
 * left in waitUntil) follow it at once.
 */
export class LogScope {
  #lines: LogLine[] = [];
  /** Fields every line of the request carries (request id, trace id): lines correlate across a trace. */
  readonly #context: Record<string, unknown>;

  constructor(context: Record<string, unknown> = {}) {
    this.#context = context;
  }
  #decision: LogDecision | null = null;
  /** An error or a security event was logged: the request must be kept. */
  mustKeep = false;

  add(entry: LogLine): void {
    const line = { ...entry, fields: { ...this.#context, ...entry.fields } };
    if (line.forced) this.mustKeep = true;
    if (this.#decision) {
      if (written(line, this.#decision)) write(line);
    } else this.#lines.push(line);
  }

  settle(decision: LogDecision): void {
    this.#decision = decision;
    for (const line of this.#lines) if (written(line, decision)) write(line);
    this.#lines = [];
  }
}

const scopes = new AsyncLocalStorage<LogScope>();

/** Runs `fn` with `scope` collecting the log lines written during it (and by what it starts). */
export function inLogScope<T>(scope: LogScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/**
 * Whether a request is sampled in at `rate` (0..1): a deterministic function of its id (FNV-1a, 32 bits), so
 * every line of a request — and every isolate that sees the id — decides the same.
 */
export function isSampled(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  let hash = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    hash ^= requestId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000 < rate;
}

/**
 * Writes one structured line. Inside a request, the line waits for the request's sampling decision (see
 * LogScope); elsewhere (queue consumer, cron) it is written at once. Errors and `security` lines are always
 * written, and keep their whole request.
 */
export function log(
  level: LogLevel,
  msg: string,
  fields: Record<string, unknown> = {},
  options: { security?: boolean; forced?: boolean } = {},
): void {
  const security = options.security === true;
  const line: LogLine = {
    level,
    msg,
    fields: security ? { ...fields, security: true } : fields,
    forced: security || level === "error" || options.forced === true,
  };
  const scope = scopes.getStore();
  if (scope) scope.add(line);
  else write(line);
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log("error", msg, fields),
  /** A security event (a refused credential, a rejected challenge): always written, with `security: true`. */
  security: (msg: string, fields?: Record<string, unknown>) => log("warn", msg, fields, { security: true }),
};
