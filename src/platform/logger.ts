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

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...(redact(fields) as Record<string, unknown>) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log("error", msg, fields),
};
