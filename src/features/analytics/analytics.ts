import { utcDay } from "../../db/analytics-rollups";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { type DailyRollup, rollupsBetween } from "./store";

/** The longest range one request may ask for (../shared/API.md), and the default: the last 30 days. */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;
const DAY_MS = 86_400_000;

export interface Totals {
  logins: number;
  loginSuccesses: number;
  loginFailures: number;
  suspiciousLogins: number;
  deviceApprovals: number;
  passwordResets: number;
  lockouts: number;
}

export interface AnalyticsReport {
  from: string;
  to: string;
  totals: Totals;
  rates: {
    loginSuccess: number;
    loginFailure: number;
    suspicious: number;
    deviceApproval: number;
    passwordReset: number;
  };
  avgSessionSeconds: number;
  daily: ({ date: string } & Totals)[];
}

function totalsOf(row: Omit<DailyRollup, "day"> | undefined): Totals {
  const s = row?.loginSuccesses ?? 0;
  const f = row?.loginFailures ?? 0;
  return {
    logins: s + f,
    loginSuccesses: s,
    loginFailures: f,
    suspiciousLogins: row?.suspiciousLogins ?? 0,
    deviceApprovals: row?.deviceApprovals ?? 0,
    passwordResets: row?.passwordResets ?? 0,
    lockouts: row?.lockouts ?? 0,
  };
}

/** part / whole as a fraction in [0, 1]; 0 when nothing happened (and clamped: counts of one day may straddle). */
function rate(part: number, whole: number): number {
  return whole > 0 ? Math.min(1, Math.round((part / whole) * 10_000) / 10_000) : 0;
}

function parseDay(value: string, path: string): number {
  const t = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(t) || utcDay(t) !== value) {
    throw AuthError.validation([{ path, message: "Use a UTC day: YYYY-MM-DD." }]);
  }
  return t;
}

/**
 * GET /api/v1/admin/analytics: totals, rates and a zero-filled daily series of the UTC days `from`..`to`
 * (inclusive), read from the daily rollup — one indexed range read of at most 366 rows. Rates: success and
 * failure over all password attempts (`logins`); suspicious and device approval over successes (both only
 * follow a verified password); password resets over attempts. See docs/analytics.md for what each counts.
 */
export async function analyticsReport(
  ctx: RequestContext,
  input: { from?: string; to?: string },
): Promise<AnalyticsReport> {
  const today = Date.parse(`${utcDay(ctx.now())}T00:00:00Z`);
  const toT = input.to !== undefined ? parseDay(input.to, "to") : today;
  const fromT =
    input.from !== undefined ? parseDay(input.from, "from") : toT - (DEFAULT_RANGE_DAYS - 1) * DAY_MS;
  if (fromT > toT) throw AuthError.validation([{ path: "from", message: "from must not be after to." }]);
  if ((toT - fromT) / DAY_MS + 1 > MAX_RANGE_DAYS) {
    throw AuthError.validation([{ path: "from", message: `Ask for at most ${MAX_RANGE_DAYS} days.` }]);
  }
  const from = utcDay(fromT);
  const to = utcDay(toT);
  const rows = new Map((await rollupsBetween(ctx.db, from, to)).map((r) => [r.day, r]));
  const daily: AnalyticsReport["daily"] = [];
  const sum = { ...totalsOf(undefined) };
  let sessionEnds = 0;
  let sessionSeconds = 0;
  for (let t = fromT; t <= toT; t += DAY_MS) {
    const date = utcDay(t);
    const row = rows.get(date);
    const day = totalsOf(row);
    daily.push({ date, ...day });
    for (const key of Object.keys(sum) as (keyof Totals)[]) sum[key] += day[key];
    sessionEnds += row?.sessionEnds ?? 0;
    sessionSeconds += row?.sessionSeconds ?? 0;
  }
  return {
    from,
    to,
    totals: sum,
    rates: {
      loginSuccess: rate(sum.loginSuccesses, sum.logins),
      loginFailure: rate(sum.loginFailures, sum.logins),
      suspicious: rate(sum.suspiciousLogins, sum.loginSuccesses),
      deviceApproval: rate(sum.deviceApprovals, sum.loginSuccesses),
      passwordReset: rate(sum.passwordResets, sum.logins),
    },
    avgSessionSeconds: sessionEnds > 0 ? Math.round(sessionSeconds / sessionEnds) : 0,
    daily,
  };
}
