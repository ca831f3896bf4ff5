import { describe, expect, it } from "vitest";
import type { AnalyticsReport } from "../../../src/features/analytics/analytics";
import { OVERVIEW_METRICS, summarise } from "../../../src/features/analytics/overview";
import { adminBrowser } from "../../support/admin";
import { testClock, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

const DAY = 86_400_000;

/** A zero-filled series of `n` days ending on `last`, with `values` for the login failures. */
function series(last: string, values: number[]): AnalyticsReport["daily"] {
  const end = Date.parse(`${last}T00:00:00Z`);
  return values.map((v, i) => ({
    date: new Date(end - (values.length - 1 - i) * DAY).toISOString().slice(0, 10),
    logins: v,
    loginSuccesses: 0,
    loginFailures: v,
    suspiciousLogins: 0,
    deviceApprovals: 0,
    passwordResets: 0,
    lockouts: 0,
  }));
}

const FAILURES = OVERVIEW_METRICS[1];

describe("the admin overview", () => {
  it("summarises today, yesterday and the mean of the 7 days before today", () => {
    // 14 days: six old days of 100 (outside the week), then 1..7 for the week, then today 9
    const s = summarise(
      series("2030-01-14", [100, 100, 100, 100, 100, 100, 1, 2, 3, 4, 5, 6, 7, 9]),
      FAILURES,
    );
    expect(s.today).toBe(9);
    expect(s.yesterday).toBe(7);
    expect(s.weekAverage).toBe(4);
    expect(s.series).toHaveLength(14);
    expect(s.series.at(-1)).toEqual({ date: "2030-01-14", value: 9 });
    expect(s.auditHref).toBe("/admin/audit?action=login.failed&from=2030-01-14T00%3A00%3A00Z");
    // a week with a fraction: one decimal
    expect(summarise(series("2030-01-08", [1, 0, 0, 0, 0, 0, 0, 0]), FAILURES).weekAverage).toBe(0.1);
  });

  it("shows today's sign-ins, failures, suspicious logins and lockouts with SVG trends, live from the rollup", async () => {
    // A day of its own: the rollup is global, and nothing else in the suite signs in on it.
    const clock = testClock(Date.parse("2032-07-21T09:00:00Z"));
    const app = testWorker({
      clock,
      env: {
        SINGLE_SESSION: "false",
        CAPTCHA_AFTER_FAILURES: "20",
        // the page session outlives the day the test moves on by
        SESSION_IDLE_TTL: "172800",
        SESSION_TTL: "172800",
      },
    });
    const { browser } = await adminBrowser(app, ["support"]);
    const owner = await verifiedOwner(app, uniqueEmail("overview"));
    for (const password of ["not-the-password-1", "not-the-password-2"]) {
      const wrong = await app.request("POST", "/api/v1/auth/login", {
        body: { email: owner.email, password },
      });
      expect(wrong.status).toBe(401);
    }
    const page = await browser.get("/admin");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Today (2032-07-21, UTC)");
    for (const m of OVERVIEW_METRICS) expect(html).toContain(`>${m.label}</a>`);
    // the failures card: 2 today, linked to the audit viewer filtered to today's failures
    expect(html).toMatch(
      /href="\/admin\/audit\?action=login\.failed&amp;from=2032-07-21T00%3A00%3A00Z">Failed sign-ins<\/a><\/h3><p class="figure">2<\/p>/,
    );
    // the support user's own sign-in counts as today's sign-in
    expect(html).toMatch(/>Sign-ins<\/a><\/h3><p class="figure">1<\/p>/);
    // one chart per metric, each an image with its figures in words, 14 bars
    expect(html.match(/<svg[^>]*role="img"/g)).toHaveLength(4);
    expect(html).toContain(
      'aria-label="Failed sign-ins per day from 2032-07-08 to today: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2"',
    );
    expect(html.match(/<rect /g)).toHaveLength(4 * 14);

    // the next day: today is 0 again, yesterday 2
    clock.advance(DAY);
    const next = await (await browser.get("/admin")).text();
    expect(next).toMatch(
      />Failed sign-ins<\/a><\/h3><p class="figure">0<\/p><p class="muted">Yesterday 2 · 7-day average 0\.3<\/p>/,
    );
  });

  it("billing_admin (no analytics) gets the links without the overview", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { browser } = await adminBrowser(app, ["billing_admin"]);
    const html = await (await browser.get("/admin")).text();
    expect(html).toContain('href="/admin/users"');
    expect(html).not.toContain("Failed sign-ins");
    expect(html).not.toContain("<svg");
  });
});
