import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { bootstrapAdmin } from "../../../src/features/admin/bootstrap";
import { parseConfig } from "../../../src/platform/config";
import { createContext } from "../../../src/platform/context";
import { defaultDeps } from "../../../src/platform/deps";
import {
  DUMMY_TURNSTILE,
  signIn,
  testWorker,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";

type App = ReturnType<typeof testWorker>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function enrol(app: App, accessToken: string) {
  const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers: bearer(accessToken) });
  expect(init.status).toBe(200);
  const setup = (await init.json()) as {
    challengeId: string;
    secret: string;
    otpauthUri: string;
    qrSvg: string;
  };
  expect(setup.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
  expect(setup.qrSvg).toContain("<svg");
  const secret = decodeBase32IgnorePadding(setup.secret);
  const code = () => totpCode(secret, totpCounter(app.clock.now()));
  const done = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
    headers: bearer(accessToken),
    body: { challengeId: setup.challengeId, code: code() },
  });
  expect(done.status).toBe(200);
  const { recoveryCodes } = (await done.json()) as { recoveryCodes: string[] };
  return { secret, code, recoveryCodes };
}

async function passwordStep(app: App, email: string, password: string) {
  const res = await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
  return (await res.json()) as { step: string; preAuthToken: string; deviceId: string };
}

async function mfaStep(app: App, step: { preAuthToken: string; deviceId: string }, code: string, extra = {}) {
  return app.request("POST", "/api/v1/auth/login/mfa", {
    body: { preAuthToken: step.preAuthToken, code, deviceId: step.deviceId, ...extra },
  });
}

async function withMfa(app: App) {
  const owner = await verifiedOwner(app, uniqueEmail("mfa"));
  const session = await signIn(app, owner.email, owner.password, owner.teamId);
  const mfa = await enrol(app, session.accessToken);
  app.clock.advance(30_000);
  return { owner, session, ...mfa };
}

describe("TOTP enrolment and the mfa login step", () => {
  it("enrols, reports mfaEnabled, and then requires the code at login (no skipping)", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { owner, session, code, recoveryCodes } = await withMfa(app);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const me = (await (
      await app.request("GET", "/api/v1/auth/me", { headers: bearer(session.accessToken) })
    ).json()) as {
      mfaEnabled: boolean;
    };
    expect(me.mfaEnabled).toBe(true);
    const stored = await env.DB.prepare("SELECT secret FROM user_mfa WHERE user_id = ?")
      .bind(owner.userId)
      .first<{ secret: string }>();
    expect(stored?.secret).toMatch(/^gh1\./);

    const step = await passwordStep(app, owner.email, owner.password);
    expect(step.step).toBe("mfa");
    const skip = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(skip.status).toBe(403);
    const wrong = await mfaStep(app, step, "000000");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: "invalid_code", detail: "Invalid security code." });
    const ok = await mfaStep(app, step, code());
    expect(ok.status).toBe(200);
    const next = (await ok.json()) as { step: string; preAuthToken: string };
    expect(next.step).toBe("select_team");
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: next.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(ex.status).toBe(200);
  });

  it("rejects a replayed code and a code two steps old", async () => {
    const app = testWorker();
    const { owner, secret, code } = await withMfa(app);
    const a = await passwordStep(app, owner.email, owner.password);
    const used = code();
    expect((await mfaStep(app, a, used)).status).toBe(200);
    const b = await passwordStep(app, owner.email, owner.password);
    expect((await mfaStep(app, b, used)).status).toBe(401);
    app.clock.advance(90_000);
    const old = totpCode(secret, totpCounter(app.clock.now()) - 2);
    expect((await mfaStep(app, b, old)).status).toBe(401);
    expect((await mfaStep(app, b, code())).status).toBe(200);
  });

  it("lets exactly one of ten parallel submissions of one code through", async () => {
    const app = testWorker();
    const { owner, code } = await withMfa(app);
    const steps = [];
    for (let i = 0; i < 10; i++) steps.push(await passwordStep(app, owner.email, owner.password));
    const value = code();
    const results = await Promise.all(steps.map((s) => mfaStep(app, s, value)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("accepts each recovery code once and says how many remain", async () => {
    const app = testWorker();
    const { owner, recoveryCodes } = await withMfa(app);
    const code = recoveryCodes[0] ?? "";
    const a = await passwordStep(app, owner.email, owner.password);
    expect((await mfaStep(app, a, code.toLowerCase().replaceAll("-", " "))).status).toBe(200);
    const b = await passwordStep(app, owner.email, owner.password);
    expect((await mfaStep(app, b, code)).status).toBe(401);
    const mails = await waitForMail(app, owner.email, { template: "security_alert", count: 2 });
    expect(mails.some((m) => m.text.includes("9 recovery codes remain"))).toBe(true);
  });

  it("locks the second factor after 5 wrong codes (right code included), then requires Turnstile", async () => {
    const app = testWorker();
    const { owner, code } = await withMfa(app);
    const step = await passwordStep(app, owner.email, owner.password);
    for (let i = 0; i < 5; i++) expect((await mfaStep(app, step, "111111")).status).toBe(401);
    // locked on every pre-auth token
    const other = await passwordStep(app, owner.email, owner.password);
    expect((await mfaStep(app, other, code())).status).toBe(401);
    app.clock.advance(5 * 60_000 + 1000);
    const fresh = await passwordStep(app, owner.email, owner.password);
    const noCaptcha = await mfaStep(app, fresh, code());
    expect(noCaptcha.status).toBe(400);
    expect(await noCaptcha.json()).toMatchObject({ code: "captcha_required" });
    expect((await mfaStep(app, fresh, code(), { turnstileToken: DUMMY_TURNSTILE })).status).toBe(200);
    const activity = await env.DB.prepare(
      "SELECT count(*) AS n FROM login_events WHERE user_id = ? AND outcome = 'mfa_failed'",
    )
      .bind(owner.userId)
      .first<{ n: number }>();
    expect(activity?.n).toBeGreaterThanOrEqual(5);
  });

  it("disables only with the password and a current code; regenerates recovery codes with the password", async () => {
    const app = testWorker();
    const { owner, session, code, recoveryCodes } = await withMfa(app);
    const regen = await app.request("POST", "/api/v1/auth/2fa/recovery-codes", {
      headers: bearer(session.accessToken),
      body: { password: owner.password },
    });
    expect(regen.status).toBe(200);
    const fresh = ((await regen.json()) as { recoveryCodes: string[] }).recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);

    const noPassword = await app.request("POST", "/api/v1/auth/2fa/disable", {
      headers: bearer(session.accessToken),
      body: { password: "wrong-password-1", code: code() },
    });
    // a wrong password on re-authentication is a failed sign-in (it counts toward the lockout)
    expect(noPassword.status).toBe(401);
    expect(await noPassword.json()).toMatchObject({ code: "invalid_credentials" });
    const noCode = await app.request("POST", "/api/v1/auth/2fa/disable", {
      headers: bearer(session.accessToken),
      body: { password: owner.password, code: "123456" },
    });
    expect(noCode.status).toBe(401);
    app.clock.advance(30_000);
    const ok = await app.request("POST", "/api/v1/auth/2fa/disable", {
      headers: bearer(session.accessToken),
      body: { password: owner.password, code: code() },
    });
    expect(ok.status).toBe(204);
    expect((await passwordStep(app, owner.email, owner.password)).step).toBe("select_team");
  });
});

describe("platform admins enrol 2FA at their first login", () => {
  it("password_change → mfa_setup (enrol with the pre-auth token) → select_team", async () => {
    const app = testWorker();
    const email = uniqueEmail("root");
    const bindings = { ...env, ADMIN_EMAIL: email, ADMIN_PASSWORD: "bootstrap-pass-1" } as Cloudflare.Env;
    const parsed = parseConfig(bindings);
    if (!parsed.ok) throw new Error("config");
    await bootstrapAdmin(createContext(defaultDeps, { env: bindings, config: parsed.config }));

    const first = await passwordStep(app, email, "bootstrap-pass-1");
    expect(first.step).toBe("password_change");
    const changed = (await (
      await app.request("POST", "/api/v1/auth/login/password", {
        body: {
          preAuthToken: first.preAuthToken,
          newPassword: "tangerine-harbor-quiet-77",
          deviceId: first.deviceId,
        },
      })
    ).json()) as { step: string; preAuthToken: string };
    expect(changed.step).toBe("mfa_setup");
    const skip = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: changed.preAuthToken, teamId: null, deviceId: first.deviceId },
    });
    expect(skip.status).toBe(403);

    const headers = { ...bearer(changed.preAuthToken), cookie: `__Host-device=${first.deviceId}` };
    const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers });
    expect(init.status).toBe(200);
    const setup = (await init.json()) as { challengeId: string; secret: string };
    const secret = decodeBase32IgnorePadding(setup.secret);
    const done = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
      headers,
      body: { challengeId: setup.challengeId, code: totpCode(secret, totpCounter(app.clock.now())) },
    });
    expect(done.status).toBe(200);
    const next = (await done.json()) as { recoveryCodes: string[]; step: string; preAuthToken: string };
    expect(next.recoveryCodes).toHaveLength(10);
    expect(next.step).toBe("select_team");
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: next.preAuthToken, teamId: null, deviceId: first.deviceId },
    });
    expect(ex.status).toBe(200);
    const session = (await ex.json()) as { accessToken: string; team: unknown };
    expect(session.team).toBeNull();
    const me = await app.request("GET", "/api/v1/auth/me", { headers: bearer(session.accessToken) });
    expect(await me.json()).toMatchObject({
      platformRoles: ["admin"],
      team: null,
      role: null,
      mfaEnabled: true,
    });
  });
});

describe("secrets at rest: key rotation", () => {
  it("re-encrypts TOTP secrets under a new current key, and codes keep working", async () => {
    const app = testWorker();
    const { owner, code } = await withMfa(app);
    const before = await env.DB.prepare("SELECT secret FROM user_mfa WHERE user_id = ?")
      .bind(owner.userId)
      .first<{ secret: string }>();
    expect(before?.secret.startsWith("gh1.dev1.")).toBe(true);

    const newKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const rotated = { ENCRYPTION_KEYS: `k2:${newKey},${env.ENCRYPTION_KEYS}` };
    const bindings = { ...env, ...rotated } as Cloudflare.Env;
    const parsed = parseConfig(bindings);
    if (!parsed.ok) throw new Error("config");
    const { reencryptMfaSecrets } = await import("../../../src/features/maintenance/maintenance");
    const s = createContext({ ...defaultDeps, now: app.clock.now }, { env: bindings, config: parsed.config });
    expect(await reencryptMfaSecrets(s)).toBeGreaterThanOrEqual(1);
    const after = await env.DB.prepare("SELECT secret FROM user_mfa WHERE user_id = ?")
      .bind(owner.userId)
      .first<{ secret: string }>();
    expect(after?.secret.startsWith("gh1.k2.")).toBe(true);
    expect(await reencryptMfaSecrets(s)).toBe(0);

    // the worker with the rotated keys still verifies the user's codes
    const rotatedApp = testWorker({ clock: app.clock, env: rotated, deviceId: app.deviceId });
    const step = await passwordStep(rotatedApp, owner.email, owner.password);
    expect((await mfaStep(rotatedApp, step, code())).status).toBe(200);
  });
});

describe("admin reset of 2FA", () => {
  it("lets a platform admin reset a user's second factor with a reason; others get 403/401", async () => {
    const app = testWorker();
    // an admin: an owner granted the platform role, who must then enrol 2FA at login
    const admin = await verifiedOwner(app, uniqueEmail("padmin"));
    await env.DB.prepare("INSERT INTO user_platform_roles (user_id, role, granted_at) VALUES (?, 'admin', 0)")
      .bind(admin.userId)
      .run();
    const first = await passwordStep(app, admin.email, admin.password);
    expect(first.step).toBe("mfa_setup");
    const headers = { ...bearer(first.preAuthToken), cookie: `__Host-device=${first.deviceId}` };
    const setup = (await (await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers })).json()) as {
      challengeId: string;
      secret: string;
    };
    const done = (await (
      await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
        headers,
        body: {
          challengeId: setup.challengeId,
          code: totpCode(decodeBase32IgnorePadding(setup.secret), totpCounter(app.clock.now())),
        },
      })
    ).json()) as { preAuthToken: string };
    const adminSession = (await (
      await app.request("POST", "/api/v1/auth/session-exchange", {
        body: { preAuthToken: done.preAuthToken, teamId: admin.teamId, deviceId: first.deviceId },
      })
    ).json()) as { accessToken: string };

    const { owner, session } = await withMfa(app);
    const path = `/api/v1/admin/users/${owner.userId}/reset-2fa`;
    expect((await app.request("POST", path, { body: { reason: "lost phone" } })).status).toBe(401);
    expect(
      (await app.request("POST", path, { headers: bearer(session.accessToken), body: { reason: "x" } }))
        .status,
    ).toBe(403);
    expect(
      (await app.request("POST", path, { headers: bearer(adminSession.accessToken), body: {} })).status,
    ).toBe(422);
    const ok = await app.request("POST", path, {
      headers: bearer(adminSession.accessToken),
      body: { reason: "lost phone" },
    });
    expect(ok.status).toBe(204);
    expect((await passwordStep(app, owner.email, owner.password)).step).toBe("select_team");
    const audit = await env.DB.prepare(
      "SELECT actor_id, reason FROM audit_logs WHERE action = 'mfa.admin_reset' AND target_id = ?",
    )
      .bind(owner.userId)
      .first<{ actor_id: string; reason: string }>();
    expect(audit).toEqual({ actor_id: admin.userId, reason: "lost phone" });
    const missing = await app.request("POST", `/api/v1/admin/users/${crypto.randomUUID()}/reset-2fa`, {
      headers: bearer(adminSession.accessToken),
      body: { reason: "typo" },
    });
    expect(missing.status).toBe(404);
  });
});
