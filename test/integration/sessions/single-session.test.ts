import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, signIn, testWorker, verifiedOwner } from "../../support/helpers";

type App = ReturnType<typeof testWorker>;
type Step = { step: string; preAuthToken: string; deviceId: string };
type Session = { accessToken: string; refreshToken: string };

/** The password step from the app's device (the device is trusted after the first session). */
async function loginStep(app: App, email: string): Promise<Step> {
  const res = await app.request("POST", "/api/v1/auth/login", { body: { email, password: GOOD_PASSWORD } });
  expect(res.status).toBe(200);
  const step = (await res.json()) as Step;
  expect(step.step).toBe("select_team");
  return step;
}

function exchange(app: App, step: Step, teamId: string | null) {
  return app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId, deviceId: step.deviceId },
  });
}

async function unrevokedSessions(userId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM sessions WHERE user_id = ? AND revoked_at IS NULL",
  )
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function me(app: App, session: Session) {
  return (await app.request("GET", "/api/v1/auth/me", { headers: bearer(session.accessToken) })).status;
}

async function refresh(app: App, session: Session, deviceId: string) {
  return app.request("POST", "/api/v1/auth/refresh", {
    body: { refreshToken: session.refreshToken, deviceId },
  });
}

async function concurrentLogin(app: App, email: string, teamId: string) {
  const step = await loginStep(app, email);
  const res = await exchange(app, step, teamId);
  expect(res.status).toBe(409);
  const body = (await res.json()) as { code: string; decisionToken: string };
  expect(body.code).toBe("concurrent_session");
  expect(body.decisionToken).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  return { step, decisionToken: body.decisionToken };
}

describe("single session (SINGLE_SESSION, on by default)", () => {
  it("a second login gets 409 concurrent_session; deny creates nothing and the first session lives on", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const first = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    const { step, decisionToken } = await concurrentLogin(app, owner.email, owner.teamId);

    const deny = await app.request("POST", "/api/v1/auth/concurrent/deny", {
      body: { decisionToken, deviceId: step.deviceId },
    });
    expect(deny.status).toBe(200);
    expect(await deny.json()).toEqual({ status: "denied" });
    expect(await me(app, first)).toBe(200);
    expect((await refresh(app, first, first.deviceId)).status).toBe(200);
    // The decision is spent.
    const again = await app.request("POST", "/api/v1/auth/concurrent/approve", {
      body: { decisionToken, deviceId: step.deviceId },
    });
    expect(again.status).toBe(401);
    expect(await unrevokedSessions(owner.userId)).toBe(1);
  });

  it("approve ends the other session at once (access token and refresh family) and creates this one", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const first = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    const { step, decisionToken } = await concurrentLogin(app, owner.email, owner.teamId);

    // Only the device that got the 409 can decide (and a wrong device burns nothing it could use).
    const elsewhere = testWorker();
    const stolen = await elsewhere.request("POST", "/api/v1/auth/concurrent/approve", {
      body: { decisionToken: `${decisionToken.split(".")[0]}.${"A".repeat(43)}` },
    });
    expect(stolen.status).toBe(401);

    const approve = await app.request("POST", "/api/v1/auth/concurrent/approve", {
      body: { decisionToken, deviceId: step.deviceId },
    });
    expect(approve.status).toBe(200);
    expect(approve.headers.get("cache-control")).toContain("no-store");
    const second = (await approve.json()) as Session & { team: { id: string } };
    expect(second.team.id).toBe(owner.teamId);
    expect(await me(app, second)).toBe(200);
    expect(await me(app, first)).toBe(401);
    expect((await refresh(app, first, first.deviceId)).status).toBe(401);

    const audit = await env.DB.prepare(
      "SELECT action FROM audit_logs WHERE target_id = ? AND action LIKE 'session.%' ORDER BY at",
    )
      .bind(owner.userId)
      .all<{ action: string }>();
    const actions = audit.results.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "session.concurrent_refused",
        "session.concurrent_approved",
        "session.replaced",
      ]),
    );
  });

  it("RACE: two logins exchanging at the same time — exactly one session is created", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    // Trust the device with a first session, then end it.
    const warmup = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    await app.request("POST", "/api/v1/auth/logout", { headers: bearer(warmup.accessToken) });

    const steps = await Promise.all([loginStep(app, owner.email), loginStep(app, owner.email)]);
    const answers = await Promise.all(steps.map((step) => exchange(app, step, owner.teamId)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409]);
    expect(await unrevokedSessions(owner.userId)).toBe(1);
  });

  it("logout and an idle-expired session free the slot", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const first = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    await app.request("POST", "/api/v1/auth/logout", { headers: bearer(first.accessToken) });
    const second = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    expect(await me(app, second)).toBe(200);

    // Idle for longer than SESSION_IDLE_TTL (60 minutes): the session is dead and does not block.
    app.clock.advance(61 * 60_000);
    const third = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    expect(await me(app, third)).toBe(200);
    expect((await refresh(app, second, second.deviceId)).status).toBe(401);
  });

  it("with SINGLE_SESSION=false several sessions live side by side", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await verifiedOwner(app);
    const a = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    const b = await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    expect(await me(app, a)).toBe(200);
    expect(await me(app, b)).toBe(200);
  });

  it("a decision token that is malformed, unknown or expired is a 401, never a 5xx", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    await signIn(app, owner.email, GOOD_PASSWORD, owner.teamId);
    const { step, decisionToken } = await concurrentLogin(app, owner.email, owner.teamId);
    for (const bad of ["", "nodot", "a.b", `${owner.userId}.${"x".repeat(43)}`, "../../etc.passwd"]) {
      const res = await app.request("POST", "/api/v1/auth/concurrent/approve", {
        body: { decisionToken: bad, deviceId: step.deviceId },
      });
      expect(res.status).toBe(401);
    }
    app.clock.advance(6 * 60_000);
    const expired = await app.request("POST", "/api/v1/auth/concurrent/approve", {
      body: { decisionToken, deviceId: step.deviceId },
    });
    expect(expired.status).toBe(401);
  });
});
