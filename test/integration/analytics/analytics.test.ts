import { describe, expect, it } from "vitest";
import {
  GOOD_PASSWORD,
  signIn,
  testClock,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { bearer, platformSession } from "../audit/support";

interface Report {
  from: string;
  to: string;
  totals: Record<string, number>;
  rates: Record<string, number>;
  avgSessionSeconds: number;
  daily: ({ date: string } & Record<string, number>)[];
}

const DAY = 86_400_000;

/** A day of its own per test (the rollup is global): nothing else in the suite signs in on it. */
function clockOn(day: string) {
  return testClock(Date.parse(`${day}T09:00:00Z`));
}

describe("GET /api/v1/admin/analytics", () => {
  it("counts real sign-ins, failures, a lockout, a password reset and session durations as they happen", async () => {
    const clock = clockOn("2031-03-10");
    const points: AnalyticsEngineDataPoint[] = [];
    const analytics = { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) };
    const app = testWorker({
      clock,
      env: {
        SINGLE_SESSION: "false",
        LOCKOUT_THRESHOLD: "3",
        CAPTCHA_AFTER_FAILURES: "20",
        ANALYTICS: analytics as unknown as AnalyticsEngineDataset,
      } as Partial<Cloudflare.Env>,
    });
    const ann = await verifiedOwner(app, uniqueEmail("ann"));
    const bob = await verifiedOwner(app, uniqueEmail("bob"));
    // two successful sign-ins (sessions that last 120 s and 300 s), one failed attempt
    const s1 = await signIn(app, ann.email, GOOD_PASSWORD, ann.teamId);
    const s2 = await signIn(app, bob.email, GOOD_PASSWORD, bob.teamId);
    const wrong = await app.request("POST", "/api/v1/auth/login", {
      body: { email: ann.email, password: "not-the-password-1" },
    });
    expect(wrong.status).toBe(401);
    clock.advance(120_000);
    expect(
      (await app.request("POST", "/api/v1/auth/logout", { headers: bearer(s1.accessToken) })).status,
    ).toBe(204);
    clock.advance(180_000);
    expect(
      (await app.request("POST", "/api/v1/auth/logout", { headers: bearer(s2.accessToken) })).status,
    ).toBe(204);
    // three wrong passwords lock bob (the third attempt is the lockout: a failure and a lockout)
    for (let i = 0; i < 3; i++) {
      await app.request("POST", "/api/v1/auth/login", {
        body: { email: bob.email, password: `wrong-password-${i}x` },
      });
    }
    // a completed password reset
    await app.request("POST", "/api/v1/auth/forgot-password", { body: { email: ann.email } });
    const [mail] = await waitForMail(app, ann.email, { template: "password_reset" });
    const reset = await app.request("POST", "/api/v1/auth/reset-password", {
      body: { token: tokenFromLink(mail?.links[0] ?? ""), newPassword: "tangerine-harbor-quiet-77" },
    });
    expect(reset.status).toBe(200);

    const measured = points.slice();
    // read the next day, so the admin's own sign-in is not in the day measured
    clock.advance(DAY);
    const admin = await platformSession(app, "admin");
    const res = await app.request("GET", "/api/v1/admin/analytics?from=2031-03-10&to=2031-03-10", {
      headers: admin.headers,
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as Report;
    const expected = {
      logins: 6,
      loginSuccesses: 2,
      loginFailures: 4,
      suspiciousLogins: 0,
      deviceApprovals: 0,
      passwordResets: 1,
      lockouts: 1,
    };
    expect(report).toMatchObject({ from: "2031-03-10", to: "2031-03-10", totals: expected });
    expect(report.rates).toEqual({
      loginSuccess: 0.3333,
      loginFailure: 0.6667,
      suspicious: 0,
      deviceApproval: 0,
      passwordReset: 0.1667,
    });
    expect(report.avgSessionSeconds).toBe(210); // (120 + 300) / 2
    expect(report.daily).toEqual([{ date: "2031-03-10", ...expected }]);
    // the Analytics Engine got a point per counted event (6 attempts — the lockout shares its attempt's point —, 1 reset, 2 session ends)
    expect(measured).toHaveLength(9);
    expect(measured.filter((p) => p.indexes?.[0] === "login.succeeded")).toHaveLength(2);
    expect(measured.filter((p) => p.indexes?.[0] === "login.locked")[0]?.blobs).toEqual([
      "login.locked",
      "loginFailures",
      "lockouts",
    ]);
    expect(measured.filter((p) => p.indexes?.[0] === "session.logout")).toHaveLength(2);

    // the admin's sign-in today counts today, as it happens
    const today = (await (
      await app.request("GET", "/api/v1/admin/analytics?from=2031-03-11&to=2031-03-11", {
        headers: admin.headers,
      })
    ).json()) as Report;
    expect(today.totals.loginSuccesses).toBe(1);
  });

  it("defaults to the last 30 days, zero-fills the series and refuses more than 366 days", async () => {
    const clock = clockOn("2031-07-20");
    const app = testWorker({ clock });
    const support = await platformSession(app, "support");
    const res = await app.request("GET", "/api/v1/admin/analytics", { headers: support.headers });
    const report = (await res.json()) as Report;
    expect(report.from).toBe("2031-06-21");
    expect(report.to).toBe("2031-07-20");
    expect(report.daily).toHaveLength(30);
    expect(report.daily[0]).toEqual({
      date: "2031-06-21",
      logins: 0,
      loginSuccesses: 0,
      loginFailures: 0,
      suspiciousLogins: 0,
      deviceApprovals: 0,
      passwordResets: 0,
      lockouts: 0,
    });
    expect(report.daily.at(-1)?.loginSuccesses).toBe(1); // the support user's own sign-in
    expect(report.rates.loginSuccess).toBe(1);

    const year = await app.request("GET", "/api/v1/admin/analytics?from=2030-07-20&to=2031-07-20", {
      headers: support.headers,
    });
    expect(year.status).toBe(200);
    expect(((await year.json()) as Report).daily).toHaveLength(366);
    for (const query of [
      "from=2030-07-19&to=2031-07-20",
      "from=2031-07-21&to=2031-07-20",
      "from=2031-02-30",
      "to=20310720",
    ]) {
      const bad = await app.request("GET", `/api/v1/admin/analytics?${query}`, { headers: support.headers });
      expect(bad.status, query).toBe(422);
      expect(((await bad.json()) as { code: string }).code).toBe("validation_failed");
    }
  });
});
