/**
 * The window arithmetic of the per-team budgets, run inside the team's TeamLedger object (durable-objects/
 * team-ledger.ts). Pure and free of the configuration module (the object's file must not import it back).
 * Budget names are plain strings here; budgets.ts names them.
 */
export type BudgetSpan = "hour" | "day";

/** Window lengths in ms. Windows are aligned on the Unix epoch, so a day is a UTC day. */
export const SPAN_MS: Record<BudgetSpan, number> = { hour: 3_600_000, day: 86_400_000 };

/** The start of the window of `span` holding `now` (epoch ms). */
export function windowStart(span: BudgetSpan, now: number): number {
  return now - (((now % SPAN_MS[span]) + SPAN_MS[span]) % SPAN_MS[span]);
}

/** One counter of the ledger: a budget over one window kind. */
export interface BudgetCounter {
  budget: string;
  span: BudgetSpan;
  /** Start of the window `used` counts (epoch ms). */
  start: number;
  used: number;
  /** The Owner was told about this window already. */
  notified: boolean;
}

/** One line of a charge: `amount` against `limit` of one budget over one window kind. */
export interface BudgetLine {
  budget: string;
  span: BudgetSpan;
  limit: number;
  amount: number;
}

export type SpendDecision =
  | { allowed: true }
  | {
      allowed: false;
      budget: string;
      span: BudgetSpan;
      limit: number;
      used: number;
      /** When the refusing window ends (epoch ms). */
      resetsAt: number;
      /** Whole seconds until then, at least 1: the `Retry-After`. */
      retryAfter: number;
      /** This is the window's first refusal: the Owner is to be mailed (once per window). */
      notify: boolean;
    };

export function counterKey(c: Pick<BudgetCounter, "budget" | "span">): string {
  return `${c.budget}:${c.span}`;
}

/** The counter as of `now`: a counter of an earlier window starts over (nothing used, nobody told). */
export function rolled(
  counter: BudgetCounter | undefined,
  line: Pick<BudgetLine, "budget" | "span">,
  now: number,
) {
  const start = windowStart(line.span, now);
  if (!counter || counter.start < start) {
    return { budget: line.budget, span: line.span, start, used: 0, notified: false } satisfies BudgetCounter;
  }
  return { ...counter };
}

/**
 * Decides a charge against the current counters, all or nothing: allowed when every line fits its limit (then
 * every line is counted), else nothing is counted and the refusal names the budget whose window resets last
 * (the `Retry-After` after which every refusing line fits again). Returns the counters to store.
 */
export function decideSpend(
  counters: ReadonlyMap<string, BudgetCounter>,
  lines: readonly BudgetLine[],
  now: number,
): { decision: SpendDecision; counters: BudgetCounter[] } {
  const current = new Map<string, BudgetCounter>();
  for (const line of lines) {
    const key = counterKey(line);
    current.set(key, current.get(key) ?? rolled(counters.get(key), line, now));
  }
  let refusing: { line: BudgetLine; counter: BudgetCounter; resetsAt: number } | undefined;
  for (const line of lines) {
    const counter = current.get(counterKey(line)) as BudgetCounter;
    if (counter.used + line.amount <= line.limit) continue;
    const resetsAt = counter.start + SPAN_MS[line.span];
    if (!refusing || resetsAt > refusing.resetsAt) refusing = { line, counter, resetsAt };
  }
  if (!refusing) {
    for (const line of lines) (current.get(counterKey(line)) as BudgetCounter).used += line.amount;
    return { decision: { allowed: true }, counters: [...current.values()] };
  }
  const { line, counter, resetsAt } = refusing;
  const notify = !counter.notified;
  counter.notified = true;
  return {
    decision: {
      allowed: false,
      budget: line.budget,
      span: line.span,
      limit: line.limit,
      used: counter.used,
      resetsAt,
      retryAfter: Math.max(1, Math.ceil((resetsAt - now) / 1000)),
      notify,
    },
    counters: [...current.values()],
  };
}
