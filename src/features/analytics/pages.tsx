import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { AdminShell, type AdminView, adminViewOf, TableHead } from "../admin/page-kit";
import { type AnalyticsReport, analyticsReport } from "./analytics";
import { ANALYTICS_TEXT as T } from "./pages.en";

/**
 * `/admin/analytics` (admin, support): a date-range form (UTC days, default the last 30), the totals and rates,
 * and the daily series as an SVG chart rendered on the server (no client library, no script), with the same
 * figures in a table for screen readers and for copying.
 */
const ROLES = ["admin", "support"] as const;
const W = 720;
const H = 200;
const PAD = 28;

/** The totals table: a label and the figure (with its rate) of each row, in order. */
const TOTALS: readonly [string, (r: AnalyticsReport) => string][] = [
  [T.totals.logins, (r) => String(r.totals.logins)],
  [T.totals.successful, (r) => T.share(r.totals.loginSuccesses, T.percent(r.rates.loginSuccess))],
  [T.totals.failed, (r) => T.share(r.totals.loginFailures, T.percent(r.rates.loginFailure))],
  [T.totals.suspicious, (r) => T.shareOfSuccessful(r.totals.suspiciousLogins, T.percent(r.rates.suspicious))],
  [
    T.totals.deviceApprovals,
    (r) => T.shareOfSuccessful(r.totals.deviceApprovals, T.percent(r.rates.deviceApproval)),
  ],
  [
    T.totals.passwordResets,
    (r) => T.shareOfAttempts(r.totals.passwordResets, T.percent(r.rates.passwordReset)),
  ],
  [T.totals.lockouts, (r) => String(r.totals.lockouts)],
  [T.totals.avgSession, (r) => T.minutes(Math.round(r.avgSessionSeconds / 60))],
];

/** The per-day table: the columns after the day, in order. */
const DAILY: readonly [string, (d: AnalyticsReport["daily"][number]) => number][] = [
  [T.daily.successful, (d) => d.loginSuccesses],
  [T.daily.failed, (d) => d.loginFailures],
  [T.daily.suspicious, (d) => d.suspiciousLogins],
  [T.daily.lockouts, (d) => d.lockouts],
];

/** Successes and failures per day as two polylines on a shared scale, with the maximum labelled. */
export function DailyChart(props: { daily: AnalyticsReport["daily"] }) {
  const { daily } = props;
  const max = Math.max(1, ...daily.map((d) => Math.max(d.loginSuccesses, d.loginFailures)));
  const x = (i: number) => PAD + (daily.length <= 1 ? 0 : (i * (W - 2 * PAD)) / (daily.length - 1));
  const y = (v: number) => H - PAD - (v * (H - 2 * PAD)) / max;
  const line = (pick: (d: AnalyticsReport["daily"][number]) => number) =>
    daily.map((d, i) => `${x(i).toFixed(1)},${y(pick(d)).toFixed(1)}`).join(" ");
  const first = daily[0]?.date ?? "";
  const last = daily.at(-1)?.date ?? "";
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={T.chart.label(first, last, max)}>
      <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} stroke="currentColor" stroke-opacity="0.4" />
      <line x1={PAD} y1={PAD} x2={PAD} y2={H - PAD} stroke="currentColor" stroke-opacity="0.4" />
      <text x={PAD - 4} y={PAD + 4} text-anchor="end" font-size="10" fill="currentColor">
        {max}
      </text>
      <text x={PAD} y={H - 8} font-size="10" fill="currentColor">
        {first}
      </text>
      <text x={W - PAD} y={H - 8} text-anchor="end" font-size="10" fill="currentColor">
        {last}
      </text>
      <polyline points={line((d) => d.loginSuccesses)} fill="none" stroke="#1a7f37" stroke-width="2" />
      <polyline
        points={line((d) => d.loginFailures)}
        fill="none"
        stroke="#cf222e"
        stroke-width="2"
        stroke-dasharray="5 3"
      />
      <text x={W - PAD} y={PAD - 10} text-anchor="end" font-size="11" fill="currentColor">
        {T.chart.legend}
      </text>
    </svg>
  );
}

function AnalyticsPage(props: {
  view: AdminView;
  query: Record<string, string>;
  report: AnalyticsReport | null;
  errors: FormErrors;
}) {
  const r = props.report;
  return (
    <AdminShell view={props.view} title={T.title}>
      <form class="stack" method="get" action="/admin/analytics">
        <FormAlert errors={props.errors} />
        {(["from", "to"] as const).map((name) => (
          <Field
            name={name}
            label={T.form[name]}
            type="date"
            value={props.query[name] ?? r?.[name]}
            errors={props.errors}
          />
        ))}
        <button type="submit">{T.form.submit}</button>
      </form>
      {r ? (
        <>
          <h2>{T.range(r.from, r.to)}</h2>
          <table>
            <tbody>
              {TOTALS.map(([label, figure]) => (
                <tr>
                  <th scope="row">{label}</th>
                  <td>{figure(r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>{T.perDay}</h2>
          <DailyChart daily={r.daily} />
          <details>
            <summary>{T.perDayTable}</summary>
            <table>
              <TableHead labels={[T.daily.day, ...DAILY.map(([label]) => label)]} />
              <tbody>
                {r.daily.map((d) => (
                  <tr>
                    <td>{d.date}</td>
                    {DAILY.map(([, value]) => (
                      <td>{value(d)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      ) : null}
    </AdminShell>
  );
}

export function analyticsPages() {
  const app = new Hono<AppEnv>();
  app.get("/admin/analytics", async (c) => {
    const view = await adminViewOf(c, ROLES);
    if (view instanceof Response) return view;
    const query = Object.fromEntries(
      Object.entries(c.req.query()).filter(([k, v]) => v !== "" && (k === "from" || k === "to")),
    );
    try {
      const report = await analyticsReport(c.var.ctx, query);
      return renderPage(c, <AnalyticsPage view={view} query={query} report={report} errors={NO_ERRORS} />);
    } catch (error) {
      if (!(error instanceof AuthError) || error.status !== 422) throw error;
      return renderPage(
        c,
        <AnalyticsPage view={view} query={query} report={null} errors={formErrors(error)} />,
        422,
      );
    }
  });
  return app;
}
