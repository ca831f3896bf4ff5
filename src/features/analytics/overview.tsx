import { utcDay } from "../../db/analytics-rollups";
import type { RequestContext } from "../../platform/context";
import { type AnalyticsReport, analyticsReport, type Totals } from "./analytics";
import { ANALYTICS_TEXT } from "./pages.en";

const T = ANALYTICS_TEXT.overview;

/**
 * The overview at the top of `/admin` (admin, support): today's sign-ins, failures, suspicious logins and
 * lockouts, each beside yesterday and the 7-day average, with a 14-day bar chart drawn on the server as SVG (no
 * script, no chart library). One indexed range read of the daily rollup (14 rows at most), like the analytics
 * page; the counters move as events are audited (platform/audit.ts ROLLUP_COUNTERS), so "today" is live.
 */
export const OVERVIEW_DAYS = 14;
const DAY_MS = 86_400_000;

/** The figures the overview shows, in order, with the audit action that lists their events. */
export const OVERVIEW_METRICS = [
  { key: "loginSuccesses", label: T.metrics.loginSuccesses, audit: "login.succeeded", tone: "ok" },
  { key: "loginFailures", label: T.metrics.loginFailures, audit: "login.failed", tone: "danger" },
  {
    key: "suspiciousLogins",
    label: T.metrics.suspiciousLogins,
    audit: "login.risk_detected",
    tone: "danger",
  },
  { key: "lockouts", label: T.metrics.lockouts, audit: "login.locked", tone: "danger" },
] as const satisfies readonly { key: keyof Totals; label: string; audit: string; tone: "ok" | "danger" }[];

export interface MetricSummary {
  key: keyof Totals;
  label: string;
  today: number;
  yesterday: number;
  /** The mean of the 7 days before today, one decimal. */
  weekAverage: number;
  /** The last OVERVIEW_DAYS days, oldest first, today last. */
  series: { date: string; value: number }[];
  /** The audit viewer filtered to this metric's events since the start of today (UTC). */
  auditHref: string;
  tone: "ok" | "danger";
}

export interface Overview {
  today: string;
  metrics: MetricSummary[];
}

/** The summary of one metric from a zero-filled daily series ending today. */
export function summarise(
  daily: AnalyticsReport["daily"],
  metric: (typeof OVERVIEW_METRICS)[number],
): MetricSummary {
  const series = daily.map((d) => ({ date: d.date, value: d[metric.key] }));
  const today = series.at(-1);
  const week = series.slice(-8, -1);
  const weekSum = week.reduce((sum, d) => sum + d.value, 0);
  const since = `${today?.date ?? ""}T00:00:00Z`;
  return {
    key: metric.key,
    label: metric.label,
    today: today?.value ?? 0,
    yesterday: series.at(-2)?.value ?? 0,
    weekAverage: week.length > 0 ? Math.round((weekSum / week.length) * 10) / 10 : 0,
    series,
    auditHref: `/admin/audit?action=${encodeURIComponent(metric.audit)}&from=${encodeURIComponent(since)}`,
    tone: metric.tone,
  };
}

/** The overview of the last OVERVIEW_DAYS UTC days, today included. */
export async function adminOverview(ctx: RequestContext): Promise<Overview> {
  const now = ctx.now();
  const to = utcDay(now);
  const from = utcDay(now - (OVERVIEW_DAYS - 1) * DAY_MS);
  const report = await analyticsReport(ctx, { from, to });
  return { today: to, metrics: OVERVIEW_METRICS.map((m) => summarise(report.daily, m)) };
}

const W = 280;
const H = 72;
const GAP = 2;

/** A 14-day bar chart of one metric, today's bar solid and the others faded; the peak labelled. */
export function TrendBars(props: { metric: MetricSummary }) {
  const { series, label, tone } = props.metric;
  const max = Math.max(1, ...series.map((d) => d.value));
  const bar = (W - GAP * (series.length - 1)) / Math.max(1, series.length);
  const first = series[0]?.date ?? "";
  return (
    <svg
      viewBox={`0 0 ${W} ${H + 14}`}
      width="100%"
      role="img"
      aria-label={T.trendLabel(label, first, series.map((d) => d.value).join(", "))}
    >
      {series.map((d, i) => {
        const h = d.value === 0 ? 1 : Math.max(2, (d.value * H) / max);
        return (
          <rect
            x={(i * (bar + GAP)).toFixed(1)}
            y={(H - h).toFixed(1)}
            width={bar.toFixed(1)}
            height={h.toFixed(1)}
            class={`bar ${tone}`}
            fill-opacity={i === series.length - 1 ? "1" : "0.45"}
          >
            <title>
              {d.date}: {d.value}
            </title>
          </rect>
        );
      })}
      <text x="0" y={H + 12} font-size="10" fill="currentColor">
        {first}
      </text>
      <text x={W} y={H + 12} text-anchor="end" font-size="10" fill="currentColor">
        {T.trendEnd(max)}
      </text>
    </svg>
  );
}

/** The overview cards: the figure today, yesterday and the week's average, and the trend. */
export function OverviewCards(props: { overview: Overview }) {
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">{T.title(props.overview.today)}</h2>
      <ul class="stats">
        {props.overview.metrics.map((m) => (
          <li class="card">
            <h3>
              <a href={m.auditHref}>{m.label}</a>
            </h3>
            <p class="figure">{m.today}</p>
            <p class="muted">{T.compare(m.yesterday, m.weekAverage)}</p>
            <TrendBars metric={m} />
          </li>
        ))}
      </ul>
      <p>
        <a href="/admin/analytics">{T.more}</a>
      </p>
    </section>
  );
}
