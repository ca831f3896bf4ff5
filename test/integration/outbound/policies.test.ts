import { describe, expect, it } from "vitest";
import { fakeOutboundFetch } from "../../../src/features/dev/fake-outbound";
import { platformSession } from "../../support/admin";
import { DUMMY_TURNSTILE, GOOD_PASSWORD, testClock, testWorker, uniqueEmail } from "../../support/helpers";
import { ownerSession } from "../../support/teams";

/**
 * Each wired dependency's declared policy (platform/outbound/policies.ts) through the real routes, and the
 * breaker detail of /health/ready. The tests of this file share the isolate, hence the `turnstile` and `hibp`
 * breakers: each test leaves the breaker it opened closed again.
 */
const REAL_SECRET = "0x4AAAAAAAreal-secret";

/** The dev fake, with one host answering `answer` instead, its calls counted. */
function outbound(hostname: string, answer: () => Response) {
  const calls = { n: 0 };
  const fallback = fakeOutboundFetch();
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).hostname !== hostname) return fallback(request);
    calls.n += 1;
    return answer();
  };
  return { fetch, calls };
}

function registration(password = GOOD_PASSWORD, turnstileToken = DUMMY_TURNSTILE) {
  return { email: uniqueEmail("dep"), password, name: "Ada", teamName: "Outage Team", turnstileToken };
}

describe("HIBP down: fail open", () => {
  it("registrations are accepted; once the breaker opens HIBP is not called; the probe after 30 s closes it", async () => {
    let down = true;
    const hibp = outbound("api.pwnedpasswords.com", () =>
      down ? new Response("", { status: 503 }) : new Response("0000000000000000000000000000000000A:0"),
    );
    const clock = testClock();
    // A worker (client IP) per registration: the per-IP sign-up limit is not what is tested here.
    const register = (password?: string) =>
      testWorker({ clock, fetch: hibp.fetch }).request("POST", "/api/v1/auth/register", {
        body: registration(password),
      });
    for (let i = 0; i < 5; i++) expect((await register()).status).toBe(201);
    expect(hibp.calls.n).toBe(5);
    // Open: accepted at once, without a call — even a password HIBP would have refused (the policy: fail open).
    for (let i = 0; i < 3; i++) expect((await register()).status).toBe(201);
    expect((await register("breached-password-demo")).status).toBe(201);
    expect(hibp.calls.n).toBe(5);

    down = false;
    clock.advance(30_000);
    expect((await register()).status).toBe(201); // the probe
    expect(hibp.calls.n).toBe(6);
    const fake = testWorker({ clock }); // HIBP back (the dev fake knows the demo password)
    const refused = await fake.request("POST", "/api/v1/auth/register", {
      body: registration("breached-password-demo"),
    });
    expect(refused.status).toBe(422);
  });
});

describe("Turnstile down: fail closed", () => {
  it("registration is refused with captcha_required; once the breaker opens siteverify is not called", async () => {
    let down = true;
    const siteverify = outbound("challenges.cloudflare.com", () =>
      down
        ? new Response("upstream error", { status: 503 })
        : Response.json({ success: true, hostname: "localhost", action: "register", "error-codes": [] }),
    );
    const clock = testClock();
    const register = () =>
      testWorker({ clock, fetch: siteverify.fetch, env: { TURNSTILE_SECRET_KEY: REAL_SECRET } }).request(
        "POST",
        "/api/v1/auth/register",
        { body: registration(GOOD_PASSWORD, "widget-token") },
      );
    for (let i = 0; i < 7; i++) {
      const res = await register();
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "captcha_required", detail: "Captcha required." });
    }
    expect(siteverify.calls.n).toBe(5);

    down = false;
    clock.advance(30_000);
    expect((await register()).status).toBe(201);
    expect(siteverify.calls.n).toBe(6);

    // Counted for Prometheus: the refusals of the open breaker, and both transitions.
    const metrics = await testWorker().request("GET", "/metrics", {
      headers: { authorization: "Bearer dev-metrics-token-local-only" },
    });
    const text = await metrics.text();
    expect(text).toContain('gatehouse_dependency_calls_total{dependency="turnstile",outcome="rejected"} 2');
    expect(text).toContain('gatehouse_dependency_calls_total{dependency="turnstile",outcome="failure"} 5');
    expect(text).toContain('gatehouse_breaker_transitions_total{dependency="turnstile",state="open"} 1');
    expect(text).toContain('gatehouse_breaker_transitions_total{dependency="turnstile",state="closed"} 1');
  });
});

describe("GET /health/ready: the breaker detail, for platform staff only", () => {
  it("an admin sees every dependency, its policy and state; an open one is degraded, readiness stays ready", async () => {
    const app = testWorker();
    const host = `vz-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const name = `virtuozzo:${host}`;
    // A Virtuozzo host whose breaker two faults opened (as the client would report them).
    const stub = app.bindings.CIRCUIT_BREAKER.get(app.bindings.CIRCUIT_BREAKER.idFromName(name));
    const settings = { failureThreshold: 2, openMs: 30_000 };
    for (let i = 0; i < 2; i++) {
      await stub.report(name, app.clock.now(), { ok: false, timeout: i === 1 }, settings);
    }

    const admin = await platformSession(app, ["support"]);
    const res = await admin.call("GET", "/health/ready");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, string>;
      dependencies: Record<string, Record<string, unknown>>;
      degraded: string[];
    };
    expect(body.status).toBe("ready");
    expect(body.checks).toEqual({ d1: "ok", kv: "ok" });
    expect(body.degraded).toEqual([name]);
    expect(body.dependencies[name]).toMatchObject({
      policy: "fail-closed",
      state: "open",
      failures: 2,
      timeouts: 1,
      opened: 1,
      lastFailureAt: new Date(app.clock.now()).toISOString(),
      openedAt: new Date(app.clock.now()).toISOString(),
      retryAt: new Date(app.clock.now() + 30_000).toISOString(),
    });
    expect(body.dependencies.turnstile).toMatchObject({ policy: "fail-closed", state: "closed" });
    expect(body.dependencies.hibp).toMatchObject({ policy: "fail-open", state: "closed" });
    expect(body.dependencies.turnstile).not.toHaveProperty("retryAt");

    // The same detail with the browser's cookies.
    const viaCookie = await app.request("GET", "/health/ready", {
      headers: { cookie: [...admin.cookies, `__Host-device=${admin.deviceId}`].join("; ") },
    });
    expect(((await viaCookie.json()) as { degraded?: string[] }).degraded).toEqual([name]);
  });

  it("anonymous callers, plain users and bad tokens get the public answer (never a 401)", async () => {
    const app = testWorker();
    const user = await ownerSession(app);
    const publicAnswer = { status: "ready", checks: { d1: "ok", kv: "ok" } };
    const callers: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${user.accessToken}` },
      { authorization: "Bearer not.a.token" },
      { authorization: "Basic x" },
    ];
    for (const headers of callers) {
      const res = await app.request("GET", "/health/ready", { headers });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(publicAnswer);
    }
  });
});
