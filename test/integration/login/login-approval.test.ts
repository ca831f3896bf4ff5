import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker, tokenFromLink, verifiedOwner, waitForMail } from "../../support/helpers";

type App = ReturnType<typeof testWorker>;
type Step = { step: string; preAuthToken: string; deviceId: string; teams?: { id: string }[] };

const BERLIN = { "cf-ipcountry": "DE", "cf-ipcity": "Berlin", "cf-asn": "3320" };
const BERLIN_CF = { country: "DE", city: "Berlin", asn: 3320, latitude: "52.52", longitude: "13.40" };
const NEW_YORK = { "cf-ipcountry": "US", "cf-ipcity": "New York", "cf-asn": "7922" };

async function login(
  app: App,
  email: string,
  headers: Record<string, string> = {},
  cf?: Record<string, unknown>,
) {
  const res = await app.request("POST", "/api/v1/auth/login", {
    body: { email, password: GOOD_PASSWORD },
    headers,
    ...(cf ? { cf } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Step;
}

async function exchange(app: App, step: Step, teamId: string | null) {
  return app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId, deviceId: step.deviceId },
  });
}

async function status(app: App, step: Step) {
  return app.request("GET", "/api/v1/auth/login/status", {
    headers: { authorization: `Bearer ${step.preAuthToken}` },
  });
}

/** A user with one completed, logged-out login from Berlin: the baseline the risk check compares against. */
async function userWithBaseline(app: App) {
  const owner = await verifiedOwner(app);
  const first = await login(app, owner.email, {}, BERLIN_CF);
  expect(first.step).toBe("select_team");
  const ex = await exchange(app, first, owner.teamId);
  expect(ex.status).toBe(200);
  const { accessToken } = (await ex.json()) as { accessToken: string };
  const out = await app.request("POST", "/api/v1/auth/logout", {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(out.status).toBe(204);
  return owner;
}

async function approvalLinks(app: App, email: string, count = 1) {
  const mails = await waitForMail(app, email, { template: "login_approval", count });
  const mail = mails[0];
  const [approve, deny] = mail?.links ?? [];
  if (!approve || !deny) throw new Error("no approval links");
  return { approve: tokenFromLink(approve), deny: tokenFromLink(deny), mail };
}

/** The decision itself: POST of the mailed link's token (opening the link decides nothing). */
async function decide(app: App, action: "approve" | "deny", token: string, headers?: Record<string, string>) {
  return app.request("POST", `/api/v1/auth/login/${action}`, {
    body: { token },
    ...(headers ? { headers } : {}),
  });
}

async function activity(app: App, email: string) {
  const step = await login(app, email, BERLIN);
  // Berlin is known: straight to the team.
  expect(step.step).toBe("select_team");
  return step;
}

describe("suspicious-login approval", () => {
  it("a login from a new country waits for approval; deny ends it, alerts and offers a reset", async () => {
    const app = testWorker();
    const owner = await userWithBaseline(app);
    const step = await login(app, owner.email, NEW_YORK);
    expect(step.step).toBe("login_approval");
    const { approve, deny, mail } = await approvalLinks(app, owner.email);
    expect(mail?.text).toContain("New York, US");

    // Waiting: polling says so, and no later step can be taken.
    expect(await (await status(app, step)).json()).toMatchObject({ step: "login_approval" });
    const skip = await exchange(app, step, owner.teamId);
    expect(skip.status).toBe(403);
    expect(await skip.json()).toMatchObject({ code: "step_required", step: "login_approval" });

    const denied = await decide(app, "deny", deny);
    expect(denied.status).toBe(200);
    expect(await denied.json()).toMatchObject({
      status: "denied",
      resetUrl: expect.stringContaining("/forgot-password"),
    });
    expect(await (await status(app, step)).json()).toEqual({ step: "denied" });
    expect((await exchange(app, step, owner.teamId)).status).toBe(403);

    // Both links are used up after a decision.
    expect((await decide(app, "deny", deny)).status).toBe(409);
    const late = await decide(app, "approve", approve);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: "login_already_decided" });

    const alerts = await waitForMail(app, owner.email, { template: "security_alert" });
    expect(alerts[0]?.text).toContain("denied a sign-in");
    expect(alerts[0]?.text).toContain("New York, US");
    expect(alerts[0]?.links.some((l) => l.endsWith("/forgot-password"))).toBe(true);

    // Login activity shows the wait and the denial; the audit log has both.
    const next = await activity(app, owner.email);
    const ex = await exchange(app, next, owner.teamId);
    const { accessToken } = (await ex.json()) as { accessToken: string };
    const events = (await (
      await app.request("GET", "/api/v1/auth/login-activity", {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json()) as { items: { outcome: string; reason: string | null; location: string | null }[] };
    const outcomes = events.items.map((e) => e.outcome);
    expect(outcomes).toContain("denied");
    expect(events.items.find((e) => e.outcome === "login_approval")).toMatchObject({
      reason: "new_country",
      location: "New York, US",
    });
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_logs WHERE target_id = ? AND action LIKE 'login.%' ORDER BY at",
    )
      .bind(owner.userId)
      .all<{ action: string }>();
    const actions = audit.results.map((r) => r.action);
    expect(actions).toContain("login.risk_detected");
    expect(actions).toContain("login.denied");
  });

  it("approve lets the login continue to the next step; the place is then known", async () => {
    const app = testWorker();
    const owner = await userWithBaseline(app);
    const step = await login(app, owner.email, NEW_YORK);
    expect(step.step).toBe("login_approval");
    const { approve, deny } = await approvalLinks(app, owner.email);
    const page = await decide(app, "approve", approve, { accept: "text/html,application/xhtml+xml" });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign-in approved");
    expect((await decide(app, "approve", approve)).status).toBe(409);
    expect((await decide(app, "deny", deny)).status).toBe(409);

    const next = (await (await status(app, step)).json()) as Step;
    expect(next.step).toBe("select_team");
    expect(next.teams?.map((t) => t.id)).toEqual([owner.teamId]);
    const ex = await exchange(app, next, owner.teamId);
    expect(ex.status).toBe(200);
    const { accessToken } = (await ex.json()) as { accessToken: string };
    await app.request("POST", "/api/v1/auth/logout", { headers: { authorization: `Bearer ${accessToken}` } });

    // New York is part of the baseline now.
    expect((await login(app, owner.email, NEW_YORK)).step).toBe("select_team");
  });

  it("impossible travel: two logins too far apart for the time between them (coordinates from request.cf)", async () => {
    const app = testWorker({ env: { RISK_RULES: "impossible_travel" } });
    const owner = await userWithBaseline(app);
    app.clock.advance(60 * 60_000); // one hour after Berlin…
    const sydney = await login(
      app,
      owner.email,
      {},
      { country: "DE", latitude: "-33.87", longitude: "151.21" },
    );
    expect(sydney.step).toBe("login_approval"); // …16,000 km away
    const { mail } = await approvalLinks(app, owner.email);
    expect(mail?.subject).toBe("Approve or deny an unusual sign-in");

    // Munich (500 km) two hours later is a train ride: not suspicious.
    const app2 = testWorker({ env: { RISK_RULES: "impossible_travel" } });
    const other = await userWithBaseline(app2);
    app2.clock.advance(2 * 60 * 60_000);
    expect((await login(app2, other.email, {}, { latitude: "48.14", longitude: "11.58" })).step).toBe(
      "select_team",
    );
  });

  it("a new network together with a new device is suspicious, after the device approval", async () => {
    const app = testWorker({ env: { RISK_RULES: "new_asn_device" } });
    const owner = await userWithBaseline(app);
    // Same network, new device: only the device code.
    const phone = testWorker({ env: { RISK_RULES: "new_asn_device" } });
    const sameNet = await login(phone, owner.email, BERLIN);
    expect(sameNet.step).toBe("device_approval");
    // New network, new device: device code first, then the approval.
    const laptop = testWorker({ env: { RISK_RULES: "new_asn_device" } });
    const step = await login(laptop, owner.email, { ...BERLIN, "cf-asn": "64500" });
    expect(step.step).toBe("device_approval");
    const codes = await waitForMail(app, owner.email, { template: "device_code", count: 2 });
    const code = codes[0]?.codes[0] as string;
    const afterCode = await laptop.request("POST", "/api/v1/auth/login/device", {
      body: { preAuthToken: step.preAuthToken, code, deviceId: step.deviceId },
    });
    expect(afterCode.status).toBe(200);
    expect(await afterCode.json()).toMatchObject({ step: "login_approval" });
    // The same network on the user's own (trusted) device is fine.
    expect((await login(app, owner.email, { ...BERLIN, "cf-asn": "64500" })).step).toBe("select_team");
  });

  it("a burst of failed attempts before the right password needs approval", async () => {
    const app = testWorker({
      env: { RISK_RULES: "failure_burst", RISK_FAILURE_BURST: "3", LOCKOUT_THRESHOLD: "10" },
    });
    const owner = await userWithBaseline(app);
    app.clock.advance(60_000);
    for (let i = 0; i < 3; i++) {
      const bad = await app.request("POST", "/api/v1/auth/login", {
        body: { email: owner.email, password: "wrong-password-123", turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
      });
      expect(bad.status).toBe(401);
    }
    const res = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expect(await res.json()).toMatchObject({ step: "login_approval" });
  });

  it("rules can be switched off, and the first login of an account is never suspicious", async () => {
    const off = testWorker({ env: { RISK_RULES: "none" } });
    const owner = await userWithBaseline(off);
    expect((await login(off, owner.email, NEW_YORK)).step).toBe("select_team");

    const app = testWorker();
    const fresh = await verifiedOwner(app);
    expect((await login(app, fresh.email, NEW_YORK)).step).toBe("select_team");
  });

  it("links are unguessable and expire with the approval; the pre-auth token does not outlive its 5 minutes", async () => {
    const app = testWorker();
    const owner = await userWithBaseline(app);
    const step = await login(app, owner.email, NEW_YORK);
    const { approve } = await approvalLinks(app, owner.email);
    for (const bad of ["", "short", "A".repeat(43), `${approve}x`]) {
      const res = await app.request("GET", `/api/v1/auth/login/approve?token=${encodeURIComponent(bad)}`);
      expect([400, 422]).toContain(res.status);
      expect([400, 422]).toContain((await decide(app, "approve", bad)).status);
    }
    app.clock.advance(8 * 60_000); // 5 minutes + the 2 minutes of clock tolerance
    expect((await status(app, step)).status).toBe(401);
    app.clock.advance(8 * 60_000);
    expect((await decide(app, "approve", approve)).status).toBe(400);
  });

  it("the status endpoint needs the pre-auth token from the device that started the login", async () => {
    const app = testWorker();
    const owner = await userWithBaseline(app);
    const step = await login(app, owner.email, NEW_YORK);
    expect((await app.request("GET", "/api/v1/auth/login/status")).status).toBe(401);
    const thief = testWorker();
    const stolen = await thief.request("GET", "/api/v1/auth/login/status", {
      headers: { authorization: `Bearer ${step.preAuthToken}` },
    });
    expect(stolen.status).toBe(401);
  });
});
