import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { GOOD_PASSWORD, signIn, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

const REAL_SECRET = "0x4AAAAAAAnot-a-test-secret";

/**
 * Outbound fetch whose siteverify says every token is valid, solved on `hostname` for `action` (read at each
 * call: a test may change the answer).
 */
function siteverify(answer: { hostname?: string; action?: string }) {
  const calls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).hostname !== "challenges.cloudflare.com")
      return new Response("", { status: 502 });
    const form = await request.formData();
    calls.push(String(form.get("response")));
    return Response.json({
      success: true,
      challenge_ts: new Date().toISOString(),
      "error-codes": [],
      ...answer,
    });
  };
  return { fetch, calls };
}

function registration(email: string) {
  return { email, password: GOOD_PASSWORD, teamName: "Captcha Team", turnstileToken: "widget-token" };
}

describe("Turnstile: the siteverify answer must be for this site and this action", () => {
  it("registration refuses a token solved on another hostname", async () => {
    const outbound = siteverify({ hostname: "evil.example", action: "register" });
    const app = testWorker({ env: { TURNSTILE_SECRET_KEY: REAL_SECRET }, fetch: outbound.fetch });
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("host")),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "captcha_required", detail: "Captcha required." });
    expect(outbound.calls).toEqual(["widget-token"]);
  });

  it("registration refuses a token solved for another action", async () => {
    const outbound = siteverify({ hostname: "localhost", action: "login" });
    const app = testWorker({ env: { TURNSTILE_SECRET_KEY: REAL_SECRET }, fetch: outbound.fetch });
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("act")),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "captcha_required" });
  });

  it("registration refuses an answer that names no hostname or no action", async () => {
    for (const answer of [{ action: "register" }, { hostname: "localhost" }]) {
      const app = testWorker({ env: { TURNSTILE_SECRET_KEY: REAL_SECRET }, fetch: siteverify(answer).fetch });
      const res = await app.request("POST", "/api/v1/auth/register", {
        body: registration(uniqueEmail("none")),
      });
      expect(res.status).toBe(400);
    }
  });

  it("registration accepts the PUBLIC_ORIGIN's hostname, or a CORS origin's, with action register", async () => {
    const own = testWorker({
      env: { TURNSTILE_SECRET_KEY: REAL_SECRET },
      fetch: siteverify({ hostname: "localhost", action: "register" }).fetch,
    });
    const ok = await own.request("POST", "/api/v1/auth/register", { body: registration(uniqueEmail("own")) });
    expect(ok.status).toBe(201);

    const spa = testWorker({
      env: { TURNSTILE_SECRET_KEY: REAL_SECRET, CORS_ORIGINS: "https://app.example.com" },
      fetch: siteverify({ hostname: "App.Example.com", action: "register" }).fetch,
    });
    const viaSpa = await spa.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("spa")),
    });
    expect(viaSpa.status).toBe(201);
  });

  it("login, once Turnstile is required, refuses a token solved for registration", async () => {
    const email = uniqueEmail("captcha-login");
    const attempt = async (answer: { hostname?: string; action?: string }) => {
      const app = testWorker({ env: { TURNSTILE_SECRET_KEY: REAL_SECRET }, fetch: siteverify(answer).fetch });
      return app.request("POST", "/api/v1/auth/login", {
        body: { email, password: "wrong-password-1", turnstileToken: "widget-token" },
      });
    };
    // three failures for the address switch the adaptive CAPTCHA on (CAPTCHA_AFTER_FAILURES = 3)
    for (let i = 0; i < 3; i++) {
      expect((await attempt({ hostname: "localhost", action: "login" })).status).toBe(401);
    }
    const wrongAction = await attempt({ hostname: "localhost", action: "register" });
    expect(wrongAction.status).toBe(400);
    expect(await wrongAction.json()).toMatchObject({ code: "captcha_required" });
    const wrongHost = await attempt({ hostname: "evil.example", action: "login" });
    expect(wrongHost.status).toBe(400);
    // the right site and action pass the CAPTCHA (and the wrong password is then what fails)
    const right = await attempt({ hostname: "localhost", action: "login" });
    expect(right.status).toBe(401);
    expect(await right.json()).toMatchObject({ code: "invalid_credentials" });
  });

  it("the second factor, once Turnstile is required after a lock, wants a token solved for mfa", async () => {
    const answer = { hostname: "localhost", action: "register" };
    const app = testWorker({ env: { TURNSTILE_SECRET_KEY: REAL_SECRET }, fetch: siteverify(answer).fetch });
    const owner = await verifiedOwner(app, uniqueEmail("captcha-mfa"));
    const { accessToken } = await signIn(app, owner.email, owner.password, owner.teamId);
    const auth = { authorization: `Bearer ${accessToken}` };
    const setup = (await (
      await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers: auth })
    ).json()) as {
      challengeId: string;
      secret: string;
    };
    const secret = decodeBase32IgnorePadding(setup.secret);
    const code = () => totpCode(secret, totpCounter(app.clock.now()));
    const enabled = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
      headers: auth,
      body: { challengeId: setup.challengeId, code: code() },
    });
    expect(enabled.status).toBe(200);
    app.clock.advance(30_000);

    const passwordStep = async () =>
      (await (
        await app.request("POST", "/api/v1/auth/login", {
          body: { email: owner.email, password: owner.password },
        })
      ).json()) as { preAuthToken: string; deviceId: string };
    const mfaStep = (step: { preAuthToken: string; deviceId: string }, totp: string) =>
      app.request("POST", "/api/v1/auth/login/mfa", {
        body: {
          preAuthToken: step.preAuthToken,
          deviceId: step.deviceId,
          code: totp,
          turnstileToken: "widget-token",
        },
      });
    const locking = await passwordStep();
    for (let i = 0; i < 5; i++) expect((await mfaStep(locking, "111111")).status).toBe(401);
    app.clock.advance(5 * 60_000 + 1000);

    const step = await passwordStep();
    answer.action = "login";
    const wrongAction = await mfaStep(step, code());
    expect(wrongAction.status).toBe(400);
    expect(await wrongAction.json()).toMatchObject({ code: "captcha_required" });
    answer.action = "mfa";
    expect((await mfaStep(step, code())).status).toBe(200);
  });
});
