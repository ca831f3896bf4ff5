import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { AdminShell, type AdminView, adminViewOf } from "../admin/page-kit";
import { type AnalyticsReport, analyticsReport } from "./analytics";

/**
 * `/admin/analytics` (admin, support): a date-range form (UTC days, default the last 30), the totals and rates,
 * and the daily series as an SVG chart rendered on the server (no client library, no script), with the same
 * figures in a table for screen readers and for copying.
 */
const ROLES = ["admin", "support"] as const;
const W = 720;
const H = 200;
const PAD = 28;

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

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
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`Sign-ins per day from ${first} to ${last}: successes and failures (peak ${max})`}
    >
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
        — successes · - - failures
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
    <AdminShell view={props.view} title="Analytics">
      <form class="stack" method="get" action="/admin/analytics">
        <FormAlert errors={props.errors} />
        <Field
          name="from"
          label="From (UTC day)"
          type="date"
          value={props.query.from ?? r?.from}
          errors={props.errors}
        />
        <Field
          name="to"
          label="To (UTC day)"
          type="date"
          value={props.query.to ?? r?.to}
          errors={props.errors}
        />
        <button type="submit">Show</button>
      </form>
      {r ? (
        <>
          <h2>
            {r.from} to {r.to}
          </h2>
          <table>
            <tbody>
              <tr>
                <th scope="row">Sign-in attempts</th>
                <td>{r.totals.logins}</td>
              </tr>
              <tr>
                <th scope="row">Successful</th>
                <td>
                  {r.totals.loginSuccesses} ({percent(r.rates.loginSuccess)})
                </td>
              </tr>
              <tr>
                <th scope="row">Failed</th>
                <td>
                  {r.totals.loginFailures} ({percent(r.rates.loginFailure)})
                </td>
              </tr>
              <tr>
                <th scope="row">Suspicious</th>
                <td>
                  {r.totals.suspiciousLogins} ({percent(r.rates.suspicious)} of successful)
                </td>
              </tr>
              <tr>
                <th scope="row">Device approvals</th>
                <td>
                  {r.totals.deviceApprovals} ({percent(r.rates.deviceApproval)} of successful)
                </td>
              </tr>
              <tr>
                <th scope="row">Password resets</th>
                <td>
                  {r.totals.passwordResets} ({percent(r.rates.passwordReset)} of attempts)
                </td>
              </tr>
              <tr>
                <th scope="row">Lockouts</th>
                <td>{r.totals.lockouts}</td>
              </tr>
              <tr>
                <th scope="row">Average session</th>
                <td>{Math.round(r.avgSessionSeconds / 60)} min</td>
              </tr>
            </tbody>
          </table>
          <h2>Per day</h2>
          <DailyChart daily={r.daily} />
          <details>
            <summary>The figures per day</summary>
            <table>
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Successful</th>
                  <th>Failed</th>
                  <th>Suspicious</th>
                  <th>Lockouts</th>
                </tr>
              </thead>
              <tbody>
                {r.daily.map((d) => (
                  <tr>
                    <td>{d.date}</td>
                    <td>{d.loginSuccesses}</td>
                    <td>{d.loginFailures}</td>
                    <td>{d.suspiciousLogins}</td>
                    <td>{d.lockouts}</td>
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
