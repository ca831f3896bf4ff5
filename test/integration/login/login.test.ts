import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";

type App = ReturnType<typeof testWorker>;

async function login(
  app: App,
  email: string,
  password: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return app.request("POST", "/api/v1/auth/login", { body: { email, password, ...extra }, headers });
}

describe("two-step login", () => {
  it("password → select_team → session-exchange → /me, then logout kills the access token at once", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const res = await login(app, owner.email, owner.password);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const step = (await res.json()) as {
      step: string;
      preAuthToken: string;
      deviceId: string;
      teams: { id: string; role: string }[];
    };
    expect(step.step).toBe("select_team");
    expect(step.teams).toEqual([
      { id: owner.teamId, slug: expect.any(String), name: "Login Team", role: "Owner" },
    ]);

    // the pre-auth token opens nothing else
    const probe = await app.request("GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${step.preAuthToken}` },
    });
    expect(probe.status).toBe(401);

    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(ex.status).toBe(200);
    const session = (await ex.json()) as {
      accessToken: string;
      refreshToken: string;
      permissions: string[];
      role: { name: string };
    };
    expect(session.permissions).toEqual(["*"]);
    expect(session.role.name).toBe("Owner");
    const cookies = ex.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith("__Host-access="))).toMatch(/HttpOnly; Secure; SameSite=Lax/i);
    expect(cookies.find((c) => c.startsWith("__Host-refresh="))).toMatch(/HttpOnly/);
    expect(cookies.find((c) => c.startsWith("__Host-csrf="))).not.toMatch(/HttpOnly/);

    const me = await app.request("GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      user: { email: owner.email, emailVerified: true },
      team: { id: owner.teamId },
    });

    // exchanging the same pre-auth token again fails
    const again = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(again.status).toBe(401);

    const out = await app.request("POST", "/api/v1/auth/logout", {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(out.status).toBe(204);
    const after = await app.request("GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("answers unknown email and wrong password identically", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const wrong = await login(app, owner.email, "not-the-password-1");
    const unknown = await login(app, uniqueEmail("nobody"), "not-the-password-1");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = (await wrong.json()) as Record<string, unknown>;
    const b = (await unknown.json()) as Record<string, unknown>;
    delete a.requestId;
    delete b.requestId;
    expect(a).toEqual(b);
    expect(a).toMatchObject({ code: "invalid_credentials", detail: "Email or password is incorrect." });
  });

  it("refuses unverified accounts with the exact 403 copy", async () => {
    const app = testWorker();
    const email = uniqueEmail("unverified");
    await app.request("POST", "/api/v1/auth/register", {
      body: { email, password: GOOD_PASSWORD, teamName: "U", turnstileToken: DUMMY_TURNSTILE },
    });
    const res = await login(app, email, GOOD_PASSWORD);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      code: "email_not_verified",
      detail: "You must confirm your registration first. We've sent you an email.",
    });
  });

  it("locks after 5 failures: even the right password gets the generic 401, a mail and an audit entry", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    for (let i = 0; i < 5; i++) {
      const res = await login(app, owner.email, `wrong-password-${i}`, { turnstileToken: DUMMY_TURNSTILE });
      expect(res.status).toBe(401);
    }
    const right = await login(app, owner.email, owner.password, { turnstileToken: DUMMY_TURNSTILE });
    expect(right.status).toBe(401);
    expect(((await right.json()) as { code: string }).code).toBe("invalid_credentials");
    await waitForMail(app, owner.email, { template: "lockout" });
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_logs WHERE action = 'login.locked' AND target_id = ?",
    )
      .bind(owner.userId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
    // after 5 minutes the right password works again
    app.clock.advance(5 * 60_000 + 1000);
    const later = await login(app, owner.email, owner.password, { turnstileToken: DUMMY_TURNSTILE });
    expect(later.status).toBe(200);
  });

  it("requires Turnstile after 3 failures for an address, known or not", async () => {
    const app = testWorker();
    for (const email of [(await verifiedOwner(app)).email, uniqueEmail("ghost")]) {
      for (let i = 0; i < 3; i++) await login(app, email, `wrong-password-${i}`);
      const res = await login(app, email, "wrong-password-x");
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "captcha_required", detail: "Captcha required." });
      const withCaptcha = await login(app, email, "wrong-password-y", { turnstileToken: DUMMY_TURNSTILE });
      expect(withCaptcha.status).toBe(401);
    }
  });
});

describe("refresh tokens", () => {
  async function signedIn(app: App) {
    const owner = await verifiedOwner(app);
    const step = (await (await login(app, owner.email, owner.password)).json()) as {
      preAuthToken: string;
      deviceId: string;
    };
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    return {
      owner,
      deviceId: step.deviceId,
      session: (await ex.json()) as { accessToken: string; refreshToken: string },
    };
  }

  it("rotates on every refresh, and a reused token revokes the whole family", async () => {
    const app = testWorker();
    const { owner, deviceId, session } = await signedIn(app);
    const r1 = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: session.refreshToken, deviceId },
    });
    expect(r1.status).toBe(200);
    const t1 = (await r1.json()) as { accessToken: string; refreshToken: string };
    expect(t1.refreshToken).not.toBe(session.refreshToken);

    app.clock.advance(30_000);
    const reuse = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: session.refreshToken, deviceId },
    });
    expect(reuse.status).toBe(401);
    expect(((await reuse.json()) as { code: string }).code).toBe("token_reused");
    // the newest token of the family is dead too, and so is its access token
    const r2 = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: t1.refreshToken, deviceId },
    });
    expect(r2.status).toBe(401);
    const me = await app.request("GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${t1.accessToken}` },
    });
    expect(me.status).toBe(401);
    await waitForMail(app, owner.email, { template: "token_reuse" });
  });

  it("20 parallel refreshes of one token: exactly one success", async () => {
    const app = testWorker();
    const { deviceId, session } = await signedIn(app);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.request("POST", "/api/v1/auth/refresh", {
          body: { refreshToken: session.refreshToken, deviceId },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
  });

  it("refuses a refresh from another device", async () => {
    const app = testWorker();
    const { session } = await signedIn(app);
    const res = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: session.refreshToken, deviceId: "A".repeat(32) },
    });
    expect(res.status).toBe(401);
  });

  it("enforces the idle timeout", async () => {
    const app = testWorker();
    const { deviceId, session } = await signedIn(app);
    app.clock.advance(61 * 60_000);
    const res = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: session.refreshToken, deviceId },
    });
    expect(res.status).toBe(401);
  });
});

describe("password hashing parameters and session lifetimes", () => {
  it("rehashes a password at login when the Argon2 parameters changed", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const before = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(owner.userId)
      .first<{ password_hash: string }>();
    expect(before?.password_hash).toContain("m=8192,t=1,p=1");
    const upgraded = testWorker({ env: { ARGON2_ITERATIONS: "2" } });
    const res = await upgraded.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    expect(res.status).toBe(200);
    const after = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(owner.userId)
      .first<{ password_hash: string }>();
    expect(after?.password_hash).toContain("m=8192,t=2,p=1");
    // and the new hash still verifies
    expect(
      (
        await upgraded.request("POST", "/api/v1/auth/login", {
          body: { email: owner.email, password: owner.password },
        })
      ).status,
    ).toBe(200);
  });

  it("ends a session at its absolute lifetime even when it stays active (1 day without remember-me)", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    let session = await signInWith(app, owner, false);
    // keep it active: refresh every 50 minutes for 23 hours
    for (let i = 0; i < 28; i++) {
      app.clock.advance(50 * 60_000);
      const res = await app.request("POST", "/api/v1/auth/refresh", {
        body: { refreshToken: session.refreshToken, deviceId: session.deviceId },
      });
      expect(res.status).toBe(200);
      session = { ...((await res.json()) as { refreshToken: string }), deviceId: session.deviceId };
    }
    app.clock.advance(50 * 60_000);
    const expired = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: session.refreshToken, deviceId: session.deviceId },
    });
    expect(expired.status).toBe(401);
  });

  it("remember-me keeps the session for 7 days and gives the refresh cookie a Max-Age", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const step = (await (
      await app.request("POST", "/api/v1/auth/login", {
        body: { email: owner.email, password: owner.password, rememberMe: true },
      })
    ).json()) as { preAuthToken: string; deviceId: string };
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    const refreshCookie = ex.headers.getSetCookie().find((c) => c.startsWith("__Host-refresh=")) ?? "";
    const maxAge = Number(/Max-Age=(\d+)/i.exec(refreshCookie)?.[1]);
    expect(maxAge).toBeGreaterThan(6 * 86400);
    expect(maxAge).toBeLessThanOrEqual(7 * 86400);
    const row = await env.DB.prepare(
      "SELECT expires_at - created_at AS lifetime FROM sessions WHERE user_id = ?",
    )
      .bind(owner.userId)
      .first<{ lifetime: number }>();
    expect(row?.lifetime).toBe(7 * 86400_000);
  });
});

async function signInWith(
  app: App,
  owner: { email: string; password: string; teamId: string },
  rememberMe: boolean,
) {
  const step = (await (
    await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password, rememberMe },
    })
  ).json()) as { preAuthToken: string; deviceId: string };
  const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
  });
  return { ...((await ex.json()) as { refreshToken: string }), deviceId: step.deviceId };
}

describe("platform roles in tokens", () => {
  it("a refresh gives a user only their own platform roles, never another user's", async () => {
    const app = testWorker();
    const admin = await verifiedOwner(app);
    await env.DB.prepare("INSERT INTO user_platform_roles (user_id, role, granted_at) VALUES (?, 'admin', 0)")
      .bind(admin.userId)
      .run();
    const plain = await verifiedOwner(app);
    const step = (await (await login(app, plain.email, plain.password)).json()) as {
      preAuthToken: string;
      deviceId: string;
    };
    const ex = (await (
      await app.request("POST", "/api/v1/auth/session-exchange", {
        body: { preAuthToken: step.preAuthToken, teamId: plain.teamId, deviceId: step.deviceId },
      })
    ).json()) as { refreshToken: string };
    const refreshed = (await (
      await app.request("POST", "/api/v1/auth/refresh", {
        body: { refreshToken: ex.refreshToken, deviceId: step.deviceId },
      })
    ).json()) as { accessToken: string };
    const me = (await (
      await app.request("GET", "/api/v1/auth/me", {
        headers: { authorization: `Bearer ${refreshed.accessToken}` },
      })
    ).json()) as { platformRoles: string[] };
    expect(me.platformRoles).toEqual([]);
  });
});
