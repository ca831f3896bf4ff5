/**
 * Money inside Gatehouse is integer micro-USD (1 USD = 1,000,000): sums never round. JSON carries USD as a
 * decimal number with at most 6 decimals; these two functions are the only crossing between the two.
 */
export const MICROS_PER_USD = 1_000_000;

/** The largest single usage record accepted: USD 1,000,000 (anything larger is a client bug, not a charge). */
export const MAX_AMOUNT_MICROS = 1_000_000 * MICROS_PER_USD;
/** The largest monthly cap accepted: USD 1,000,000,000 (month-to-date totals stay exact integers in a double). */
export const MAX_CAP_MICROS = 1_000_000_000 * MICROS_PER_USD;

export type MoneyReason = "not_a_number" | "negative" | "too_precise" | "too_large" | "zero";

/**
 * A JSON number of USD → micro-USD, exactly. The number's shortest decimal form (what `String(n)` prints, the
 * digits the client sent for any value a double holds exactly enough) may have at most 6 decimals: `0.1` is
 * 100000 micros, `0.0000001` and `1e-7` are refused rather than rounded, so a client never has money it did not
 * mean to send recorded.
 */
export function usdToMicros(
  usd: number,
  options: { max: number; allowZero?: boolean },
): { ok: true; micros: number } | { ok: false; reason: MoneyReason } {
  if (typeof usd !== "number" || !Number.isFinite(usd)) return { ok: false, reason: "not_a_number" };
  if (usd < 0 || Object.is(usd, -0)) return { ok: false, reason: "negative" };
  if (usd === 0) return options.allowZero ? { ok: true, micros: 0 } : { ok: false, reason: "zero" };
  if (usd * MICROS_PER_USD > options.max) return { ok: false, reason: "too_large" };
  const text = String(usd);
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return { ok: false, reason: "too_precise" };
  const micros = Number(m[1]) * MICROS_PER_USD + Number((m[2] ?? "").padEnd(6, "0"));
  if (!Number.isSafeInteger(micros) || micros > options.max) return { ok: false, reason: "too_large" };
  return { ok: true, micros };
}

/** Micro-USD → a JSON number of USD (exact to 6 decimals: the division is correctly rounded). */
export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}

/** `80000000` → `$80.00` (mails: cents, rounded half up; sub-cent amounts keep their digits). */
export function formatUsd(micros: number): string {
  const cents = micros / 10_000;
  if (Number.isInteger(cents)) return `$${(cents / 100).toFixed(2)}`;
  return `$${microsToUsd(micros).toFixed(6).replace(/0+$/, "")}`;
}

/** The UTC month `YYYY-MM` of an instant. */
export function utcMonth(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}
