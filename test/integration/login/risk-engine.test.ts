import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminBrowser } from "../../support/admin";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { scrapeMetrics, seriesValue } from "../../support/metrics";
import { pageBrowser } from "../../support/pages";

/** The risk engine through the real login: scores, reasons, the approval threshold, what the activity shows. */
type App = ReturnType<typeof testWorker>;
type Step = { step: string; preAuthToken: string; deviceId: string; teams?: { id: string }[] };
type Risk = { score: number; reasons: string[] } | null;
type ActivityItem = { outcome: string; reason: string | null; risk: Risk };

const BERLIN_CF = { country: "DE", city: "Berlin", asn: 3320, latitude: "52.52", longitude: "13.40" };
/** Amazon's AS16509 in Frankfurt: a hosting network (features/login/risk/hosting-asns.ts). */
const AWS_FRANKFURT = { "cf-ipcountry": "DE", "cf-ipcity": "Frankfurt", "cf-asn": "16509" };

async function login(app: App, email: string, init: { headers?: Record<string, string>; cf?: object } = {}) {
  const res = await app.request("POST", "/api/v1/auth/login", {
    body: { email, password: GOOD_PASSWORD, turnstileToken: DUMMY_TURNSTILE },
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.cf ? { cf: init.cf as Record<string, unknown> } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Step;
}

async function exchange(app: App, step: Step, teamId: string) {
  const res = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId, deviceId: step.deviceId },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string };
}

async function activity(app: App, accessToken: string): Promise<ActivityItem[]> {
  const res = await app.request("GET", "/api/v1/auth/login-activity", {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: ActivityItem[] }).items;
}

/** The risk score of the user's newest live session, as stored. */
async function sessionRiskScore(userId: string): Promise<number | null> {
  const row = await env.DB.prepare(
    "SELECT risk_score FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1",
  )
    .bind(userId)
    .first<{ risk_score: number | null }>();
  return row?.risk_score ?? null;
}

/** A user with one completed, logged-out login from Berlin (home network) on `app`'s device. */
async function userWithBaseline(app: App) {
  const owner = await verifiedOwner(app);
  const first = await login(app, owner.email, { cf: BERLIN_CF });
  expect(first.step).toBe("select_team");
  const { accessToken } = await exchange(app, first, owner.teamId);
  await app.request("POST", "/api/v1/auth/logout", { headers: { authorization: `Bearer ${accessToken}` } });
  return owner;
}

describe("risk engine at login", () => {
  it("a first login from a hosting network scores below the approval threshold: it goes through, the session keeps the score, the activity shows why", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const before = await scrapeMetrics();
    const step = await login(app, owner.email, { headers: AWS_FRANKFURT });
    // hosting_asn (35) < RISK_APPROVAL_SCORE (50): no approval; no history, so nothing is "new".
    expect(step.step).toBe("select_team");
    const { accessToken } = await exchange(app, step, owner.teamId);
    expect(await sessionRiskScore(owner.userId)).toBe(35);
    const items = await activity(app, accessToken);
    expect(items[0]).toMatchObject({ outcome: "success", risk: { score: 35, reasons: ["hosting_asn"] } });
    // Counted: the reason, and a login at the step-up level (35 ≥ RISK_STEP_UP_SCORE 30).
    const after = await scrapeMetrics();
    const reason = 'gatehouse_login_risk_reasons_total{reason="hosting_asn"}';
    const level = 'gatehouse_risky_logins_total{level="step_up"}';
    expect(seriesValue(after, reason) - seriesValue(before, reason)).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after, level) - seriesValue(before, level)).toBeGreaterThanOrEqual(1);
  });

  it("a hosting network on a new device, for a user with history, waits for approval; the mail and the activity name the reasons", async () => {
    const app = testWorker();
    const owner = await userWithBaseline(app);
    // Another device, from AWS in Frankfurt: device code first (second device), then the approval.
    const laptop = testWorker({ clock: app.clock });
    app.clock.advance(60_000);
    const step = await login(laptop, owner.email, { headers: AWS_FRANKFURT });
    expect(step.step).toBe("device_approval");
    const [codeMail] = await waitForMail(app, owner.email, { template: "device_code" });
    const afterCode = await laptop.request("POST", "/api/v1/auth/login/device", {
      body: { preAuthToken: step.preAuthToken, code: codeMail?.codes[0], deviceId: step.deviceId },
    });
    expect(afterCode.status).toBe(200);
    const waiting = (await afterCode.json()) as Step;
    expect(waiting.step).toBe("login_approval");
    // The waiting login cannot make a session.
    const skip = await laptop.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: waiting.preAuthToken, teamId: owner.teamId, deviceId: waiting.deviceId },
    });
    expect(skip.status).toBe(403);

    const [mail] = await waitForMail(app, owner.email, { template: "login_approval" });
    expect(mail?.text).toContain("What looked unusual:");
    expect(mail?.text).toContain("a hosting or data-centre network");
    expect(mail?.text).toContain("a device you have not used before");

    // The owner, from home on the trusted device, sees the attempt with its score and reasons.
    app.clock.advance(60_000);
    const home = await login(app, owner.email, { cf: BERLIN_CF });
    expect(home.step).toBe("select_team");
    const { accessToken } = await exchange(app, home, owner.teamId);
    const items = await activity(app, accessToken);
    // new_network 35 + hosting_asn 35 + new_device 15 = 85 ≥ 50.
    expect(items.find((i) => i.outcome === "login_approval")).toEqual(
      expect.objectContaining({
        reason: "new_network,hosting_asn,new_device",
        risk: { score: 85, reasons: ["new_network", "hosting_asn", "new_device"] },
      }),
    );
    // The login from home scored nothing, and its session says so.
    expect(items[0]).toMatchObject({ outcome: "success", risk: { score: 0, reasons: [] } });
    expect(await sessionRiskScore(owner.userId)).toBe(0);
    const audit = await env.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE target_id = ? AND action = 'login.risk_detected'",
    )
      .bind(owner.userId)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit?.metadata ?? "{}")).toMatchObject({ score: 85 });

    // Approved from the mail: the success row of that login carries its evaluation.
    const approve = await app.request("POST", "/api/v1/auth/login/approve", {
      body: { token: tokenFromLink(mail?.links[0] ?? "") },
    });
    expect(approve.status).toBe(200);
    const after = await activity(app, accessToken);
    expect(after.find((i) => i.reason === "approved_by_owner")).toMatchObject({
      outcome: "success",
      risk: { score: 85, reasons: ["new_network", "hosting_asn", "new_device"] },
    });
  });

  it("an unknown location is a reason, not a skipped check; failed attempts record their risk too", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    // No request.cf and no development headers: no country, no ASN.
    const wrong = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: "not-the-password-1", turnstileToken: DUMMY_TURNSTILE },
    });
    expect(wrong.status).toBe(401);
    const step = await login(app, owner.email);
    expect(step.step).toBe("select_team");
    const { accessToken } = await exchange(app, step, owner.teamId);
    const items = await activity(app, accessToken);
    expect(items.map((i) => [i.outcome, i.risk])).toEqual([
      ["success", { score: 10, reasons: ["unknown_location"] }],
      ["failure", { score: 10, reasons: ["unknown_location"] }],
    ]);
  });

  it("a burst of failures from one network raises the score of a login from it (login-fail:asn), thresholds and weights from configuration", async () => {
    const asn = String(4_200_000_000 + Math.floor(Math.random() * 90_000_000));
    const app = testWorker({
      env: {
        RISK_NETWORK_FAILURE_BURST: "3",
        RISK_WEIGHTS: "network_failure_burst:55",
      } as Partial<Cloudflare.Env>,
    });
    const owner = await verifiedOwner(app);
    const net = { "cf-ipcountry": "NL", "cf-asn": asn };
    // Three failed logins for other (unknown) addresses from the same network.
    for (let i = 0; i < 3; i++) {
      const res = await app.request("POST", "/api/v1/auth/login", {
        body: { email: uniqueEmail("sprayed"), password: GOOD_PASSWORD, turnstileToken: DUMMY_TURNSTILE },
        headers: net,
      });
      expect(res.status).toBe(401);
    }
    // The owner's first login from that network: 55 ≥ 50 — even a first login waits for approval.
    const step = await login(app, owner.email, { headers: net });
    expect(step.step).toBe("login_approval");
    const row = await env.DB.prepare(
      "SELECT outcome, risk_score, risk_reasons FROM login_events WHERE user_id = ? ORDER BY at DESC LIMIT 1",
    )
      .bind(owner.userId)
      .first<{ outcome: string; risk_score: number; risk_reasons: string }>();
    expect(row).toEqual({
      outcome: "login_approval",
      risk_score: 55,
      risk_reasons: JSON.stringify(["network_failure_burst"]),
    });
    // Another network is unaffected.
    const elsewhere = testWorker();
    const other = await verifiedOwner(elsewhere);
    expect(
      (await login(elsewhere, other.email, { headers: { "cf-ipcountry": "NL", "cf-asn": "1136" } })).step,
    ).toBe("select_team");
  });

  it("the account security page and the admin user page show the risk in words", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: owner.password }, AWS_FRANKFURT);
    expect(res.status).toBe(303);
    const page = await (await browser.get("/account/security")).text();
    expect(page).toContain('<th scope="col">Risk</th>');
    expect(page).toContain("35 · a hosting or data-centre network, not a home, office or mobile one");

    const { who, browser: admin } = await adminBrowser(app, ["support"]);
    const detail = await who.call("GET", `/api/v1/admin/users/${owner.userId}`);
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as { loginActivity: ActivityItem[] };
    expect(body.loginActivity[0]).toMatchObject({
      outcome: "success",
      risk: { score: 35, reasons: ["hosting_asn"] },
    });
    const adminPage = await (await admin.get(`/admin/users/${owner.userId}`)).text();
    expect(adminPage).toContain("risk 35 · a hosting or data-centre network");
  });
});
