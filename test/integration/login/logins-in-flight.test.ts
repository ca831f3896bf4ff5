import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { signIn, testWorker, tokenFromLink, verifiedOwner, waitForMail } from "../../support/helpers";

/*
 * Issue 14, item 2: every user has a security stamp that a password reset or change, 2FA disabled (or reset by
 * an admin) and an admin lock change; every login step, session-exchange and decision checks it, and a stale
 * one answers like an expired token. Item 4: wrong current passwords on re-authentication count toward the
 * login lockout and answer 401 invalid_credentials.
 */

type App = ReturnType<typeof testWorker>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const EXPIRED = "Your sign-in has expired. Please sign in again.";

async function passwordStep(app: App, email: string, password: string) {
  const res = await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
  expect(res.status).toBe(200);
  return (await res.json()) as { step: string; preAuthToken: string; deviceId: string };
}

/** Resets the password through the mailed link (forgot-password → reset-password). */
async function resetPassword(app: App, email: string, newPassword: string) {
  const before = (await waitForMail(app, email, { template: "password_reset", count: 0 })).length;
  expect((await app.request("POST", "/api/v1/auth/forgot-password", { body: { email } })).status).toBe(202);
  const [mail] = await waitForMail(app, email, { template: "password_reset", count: before + 1 });
  const token = tokenFromLink(mail?.links[0] ?? "");
  const res = await app.request("POST", "/api/v1/auth/reset-password", { body: { token, newPassword } });
  expect(res.status).toBe(200);
}

describe("a password reset ends logins in flight (security stamp)", () => {
  it("a pre-auth token minted before a reset no longer makes a session", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    await signIn(app, owner.email, owner.password, owner.teamId).then((s) =>
      app.request("POST", "/api/v1/auth/logout", { headers: bearer(s.accessToken) }),
    );
    const step = await passwordStep(app, owner.email, owner.password);
    expect(step.step).toBe("select_team");

    await resetPassword(app, owner.email, "tangerine-harbor-quiet-77");

    const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(exchange.status).toBe(401);
    expect(await exchange.json()).toMatchObject({ code: "unauthorized", detail: EXPIRED });
    // the new password signs in normally
    expect((await passwordStep(app, owner.email, "tangerine-harbor-quiet-77")).step).toBe("select_team");
  });

  it("a device challenge opened before a reset no longer takes its code", async () => {
    const a = testWorker();
    const owner = await verifiedOwner(a);
    await signIn(a, owner.email, owner.password, owner.teamId);
    const b = testWorker({ clock: a.clock });
    const step = await passwordStep(b, owner.email, owner.password);
    expect(step.step).toBe("device_approval");
    const [mail] = await waitForMail(b, owner.email, { template: "device_code" });
    const code = mail?.codes[0] ?? "";

    await resetPassword(a, owner.email, "tangerine-harbor-quiet-77");

    const answer = await b.request("POST", "/api/v1/auth/login/device", {
      body: { preAuthToken: step.preAuthToken, code },
    });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "unauthorized", detail: EXPIRED });
  });

  it("a concurrent-session decision token taken before a password change cannot approve", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const first = await signIn(app, owner.email, owner.password, owner.teamId);
    const step = await passwordStep(app, owner.email, owner.password);
    const conflict = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(conflict.status).toBe(409);
    const { decisionToken } = (await conflict.json()) as { decisionToken: string };

    // the first session's holder changes the password (it keeps its own session)
    const changed = await app.request("POST", "/api/v1/auth/change-password", {
      headers: bearer(first.accessToken),
      body: { currentPassword: owner.password, newPassword: "tangerine-harbor-quiet-77" },
    });
    expect(changed.status).toBe(200);

    const approve = await app.request("POST", "/api/v1/auth/concurrent/approve", {
      body: { decisionToken, deviceId: step.deviceId },
    });
    expect(approve.status).toBe(401);
    // the first session lives on
    expect((await app.request("GET", "/api/v1/auth/me", { headers: bearer(first.accessToken) })).status).toBe(
      200,
    );
  });

  it("a suspicious-login approval link mailed before a reset decides nothing, and the login cannot finish", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    // the baseline: a login from Berlin; then a login from New York needs the owner's approval
    const berlin = { country: "DE", city: "Berlin", asn: 3320, latitude: "52.52", longitude: "13.40" };
    const first = (await (
      await app.request("POST", "/api/v1/auth/login", {
        body: { email: owner.email, password: owner.password },
        cf: berlin,
      })
    ).json()) as { preAuthToken: string };
    const session = (await (
      await app.request("POST", "/api/v1/auth/session-exchange", {
        body: { preAuthToken: first.preAuthToken, teamId: owner.teamId },
      })
    ).json()) as { accessToken: string };
    await app.request("POST", "/api/v1/auth/logout", { headers: bearer(session.accessToken) });
    const risky = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
      headers: { "cf-ipcountry": "US", "cf-ipcity": "New York", "cf-asn": "7922" },
    });
    const step = (await risky.json()) as { step: string; preAuthToken: string };
    expect(step.step).toBe("login_approval");
    const [mail] = await waitForMail(app, owner.email, { template: "login_approval" });
    const approveToken = tokenFromLink(mail?.links[0] ?? "");

    await resetPassword(app, owner.email, "tangerine-harbor-quiet-77");

    const preview = await app.request("GET", `/api/v1/auth/login/approve?token=${approveToken}`, {
      headers: { accept: "application/json" },
    });
    expect(preview.status).toBe(400);
    const approve = await app.request("POST", "/api/v1/auth/login/approve", {
      body: { token: approveToken },
    });
    expect(approve.status).toBe(400);
    expect(await approve.json()).toMatchObject({ code: "invalid_token" });
    const poll = await app.request("GET", "/api/v1/auth/login/status", {
      headers: bearer(step.preAuthToken),
    });
    expect(poll.status).toBe(401);
  });

  it("turning 2FA off ends a login waiting at its mfa step", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const init = (await (
      await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers: bearer(session.accessToken) })
    ).json()) as { challengeId: string; secret: string };
    const secret = decodeBase32IgnorePadding(init.secret);
    const enabled = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
      headers: bearer(session.accessToken),
      body: { challengeId: init.challengeId, code: totpCode(secret, totpCounter(app.clock.now())) },
    });
    expect(enabled.status).toBe(200);
    app.clock.advance(30_000);
    await app.request("POST", "/api/v1/auth/logout", { headers: bearer(session.accessToken) });

    const step = await passwordStep(app, owner.email, owner.password);
    expect(step.step).toBe("mfa");
    // meanwhile, from another live session (single session off for this check is not needed: sign in again)
    const second = testWorker({ clock: app.clock, deviceId: app.deviceId });
    const other = await second.request("POST", "/api/v1/auth/login/mfa", {
      body: {
        preAuthToken: (await passwordStep(second, owner.email, owner.password)).preAuthToken,
        code: totpCode(secret, totpCounter(app.clock.now())),
      },
    });
    const otherStep = (await other.json()) as { preAuthToken: string };
    const live = (await (
      await second.request("POST", "/api/v1/auth/session-exchange", {
        body: { preAuthToken: otherStep.preAuthToken, teamId: owner.teamId },
      })
    ).json()) as { accessToken: string };
    app.clock.advance(30_000);
    const off = await second.request("POST", "/api/v1/auth/2fa/disable", {
      headers: bearer(live.accessToken),
      body: { password: owner.password, code: totpCode(secret, totpCounter(app.clock.now())) },
    });
    expect(off.status).toBe(204);

    const late = await app.request("POST", "/api/v1/auth/login/mfa", {
      body: { preAuthToken: step.preAuthToken, code: totpCode(secret, totpCounter(app.clock.now())) },
    });
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ code: "unauthorized", detail: EXPIRED });
  });
});

describe("re-authentication counts toward the login lockout", () => {
  it("wrong current passwords answer 401 invalid_credentials, lock the account at the threshold and mail once", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const headers = bearer(session.accessToken);
    const attempts = [
      () =>
        app.request("POST", "/api/v1/auth/change-password", {
          headers,
          body: { currentPassword: "wrong-guess-1", newPassword: "tangerine-harbor-quiet-77" },
        }),
      () =>
        app.request("POST", "/api/v1/auth/2fa/recovery-codes", { headers, body: { password: "guess-2" } }),
      () =>
        app.request("POST", "/api/v1/auth/2fa/disable", {
          headers,
          body: { password: "guess-3", code: "123456" },
        }),
      () =>
        app.request("POST", "/api/v1/auth/2fa/recovery-codes", { headers, body: { password: "guess-4" } }),
      () =>
        app.request("POST", "/api/v1/auth/change-password", {
          headers,
          body: { currentPassword: "guess-5", newPassword: "tangerine-harbor-quiet-77" },
        }),
    ];
    for (const attempt of attempts) {
      const res = await attempt();
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({
        code: "invalid_credentials",
        detail: "Email or password is incorrect.",
      });
    }
    // the fifth wrong password locked the account: the right one is refused too, here and at the login
    const right = await app.request("POST", "/api/v1/auth/change-password", {
      headers,
      body: { currentPassword: owner.password, newPassword: "tangerine-harbor-quiet-77" },
    });
    expect(right.status).toBe(401);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    expect(login.status).toBe(401);
    const mails = await waitForMail(app, owner.email, { template: "lockout" });
    expect(mails).toHaveLength(1);

    const activity = await env.DB.prepare(
      "SELECT outcome, reason FROM login_events WHERE user_id = ? AND reason LIKE 'reauthentication_%' ORDER BY at",
    )
      .bind(owner.userId)
      .all<{ outcome: string; reason: string }>();
    expect(activity.results.map((r) => r.outcome)).toEqual([
      "failure",
      "failure",
      "failure",
      "failure",
      "locked",
      "locked",
    ]);
  });

  it("the right current password still works and a concurrent burst of wrong ones counts every guess", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const headers = bearer(session.accessToken);
    const burst = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        app.request("POST", "/api/v1/auth/2fa/recovery-codes", { headers, body: { password: `guess-${i}` } }),
      ),
    );
    expect(burst.map((r) => r.status)).toEqual([401, 401, 401]);
    const row = await env.DB.prepare("SELECT failed_login_count AS n FROM users WHERE id = ?")
      .bind(owner.userId)
      .first<{ n: number }>();
    expect(row?.n).toBe(3);
    const ok = await app.request("POST", "/api/v1/auth/change-password", {
      headers,
      body: { currentPassword: owner.password, newPassword: "tangerine-harbor-quiet-77" },
    });
    expect(ok.status).toBe(200);
  });
});
