import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { onlyAdmins, platformSession } from "../../support/admin";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  signIn,
  testWorker,
  uniqueEmail,
  waitForMail,
} from "../../support/helpers";
import { as, ownerSession } from "../../support/teams";

type App = ReturnType<typeof testWorker>;

const REASON = "fraud ticket 8812: chargeback pattern";

async function auditRow(action: string, targetId: string) {
  return env.DB.prepare(
    "SELECT actor_id AS actorId, reason FROM audit_logs WHERE action = ? AND target_id = ? ORDER BY at DESC",
  )
    .bind(action, targetId)
    .first<{ actorId: string; reason: string | null }>();
}

async function me(app: App, token: string) {
  return (await as(app, token)("GET", "/api/v1/auth/me")).status;
}

async function login(app: App, email: string) {
  return app.request("POST", "/api/v1/auth/login", { body: { email, password: GOOD_PASSWORD } });
}

describe("lock and unlock", () => {
  it("a lock ends the user's sessions at once, refuses sign-in like bad credentials, and is audited and mailed without the reason", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const user = await ownerSession(app);
    expect(await me(app, user.accessToken)).toBe(200);

    const res = await admin.call("POST", `/api/v1/admin/users/${user.userId}/lock`, { reason: REASON });
    expect(res.status).toBe(204);
    // the access token dies at once (edge revocation), the refresh token too
    expect(await me(app, user.accessToken)).toBe(401);
    const refresh = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: user.refreshToken, deviceId: user.deviceId },
    });
    expect(refresh.status).toBe(401);
    // sign-in answers like a wrong password (no enumeration)
    const denied = await login(app, user.email);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { code: string }).code).toBe("invalid_credentials");

    expect(await auditRow("admin.user_locked", user.userId)).toEqual({
      actorId: admin.userId,
      reason: REASON,
    });
    const [mail] = await waitForMail(app, user.email, { template: "admin_account_locked" });
    expect(mail?.subject).toMatch(/locked/);
    expect(mail?.text).not.toContain("chargeback");
    const row = await env.DB.prepare(
      "SELECT disabled_at, revoked_reason FROM users u JOIN sessions s ON s.user_id = u.id WHERE u.id = ?",
    )
      .bind(user.userId)
      .first<{ disabled_at: number | null; revoked_reason: string }>();
    expect(row?.disabled_at).toBeTypeOf("number");
    expect(row?.revoked_reason).toBe("admin_lock");
  });

  it("a lock kills a login in flight (security stamp), and support's unlock restores sign-in", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const support = await platformSession(app, ["support"]);
    const user = await ownerSession(app);
    const inFlight = (await (await login(app, user.email)).json()) as {
      preAuthToken: string;
      deviceId: string;
    };

    expect(
      (await admin.call("POST", `/api/v1/admin/users/${user.userId}/lock`, { reason: REASON })).status,
    ).toBe(204);
    const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: inFlight.preAuthToken, teamId: user.teamId, deviceId: inFlight.deviceId },
    });
    expect(exchange.status).toBe(401);

    const search = (await (
      await support.call("GET", `/api/v1/admin/users?q=${encodeURIComponent(user.email)}&status=locked`)
    ).json()) as { items: { id: string; status: string }[] };
    expect(search.items.map((i) => [i.id, i.status])).toEqual([[user.userId, "locked"]]);

    const unlock = await support.call("POST", `/api/v1/admin/users/${user.userId}/unlock`, {
      reason: "verified identity by phone",
    });
    expect(unlock.status).toBe(204);
    await waitForMail(app, user.email, { template: "admin_account_unlocked" });
    expect(await auditRow("admin.user_unlocked", user.userId)).toEqual({
      actorId: support.userId,
      reason: "verified identity by phone",
    });
    const again = await signIn(app, user.email, GOOD_PASSWORD, user.teamId);
    expect(await me(app, again.accessToken)).toBe(200);
  });

  it("unlock also clears a login lockout (consecutive failures)", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const support = await platformSession(app, ["support"]);
    const user = await ownerSession(app);
    await env.DB.prepare("UPDATE users SET failed_login_count = 5, locked_until = ? WHERE id = ?")
      .bind(app.clock.now() + 300_000, user.userId)
      .run();
    const detail = (await (await support.call("GET", `/api/v1/admin/users/${user.userId}`)).json()) as {
      status: string;
    };
    expect(detail.status).toBe("locked");
    expect(
      (await support.call("POST", `/api/v1/admin/users/${user.userId}/unlock`, { reason: "called in" }))
        .status,
    ).toBe(204);
    await signIn(app, user.email, GOOD_PASSWORD, user.teamId);
  });

  it("two admins locking each other at once: one lock lands, the last active admin stays (409 last_admin)", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const a = await platformSession(app, ["admin"]);
    const b = await platformSession(app, ["admin"]);
    await onlyAdmins([a.userId, b.userId]);
    const [ra, rb] = await Promise.all([
      a.call("POST", `/api/v1/admin/users/${b.userId}/lock`, { reason: "race" }),
      b.call("POST", `/api/v1/admin/users/${a.userId}/lock`, { reason: "race" }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([204, 409]);
    const loser = ra.status === 409 ? ra : rb;
    expect(((await loser.json()) as { code: string }).code).toBe("last_admin");
    const active = await env.DB.prepare(
      "SELECT count(*) AS n FROM user_platform_roles r JOIN users u ON u.id = r.user_id WHERE r.role = 'admin' AND u.disabled_at IS NULL",
    ).first<{ n: number }>();
    expect(active?.n).toBe(1);
    // the refused lock left nothing behind: no audit entry, no mail row
    const audits = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_logs WHERE action = 'admin.user_locked' AND target_id IN (?, ?)",
    )
      .bind(a.userId, b.userId)
      .first<{ n: number }>();
    expect(audits?.n).toBe(1);
  });
});

describe("revoke sessions, reset 2FA, resend verification", () => {
  it("revoke-sessions ends every session at once; the user is mailed and may sign in again", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const support = await platformSession(app, ["support"]);
    const user = await ownerSession(app);
    const second = await signIn(app, user.email, GOOD_PASSWORD, user.teamId);
    const res = await support.call("POST", `/api/v1/admin/users/${user.userId}/revoke-sessions`, {
      reason: "suspected token theft",
    });
    expect(res.status).toBe(204);
    expect(await me(app, user.accessToken)).toBe(401);
    expect(await me(app, second.accessToken)).toBe(401);
    await waitForMail(app, user.email, { template: "admin_sessions_revoked" });
    expect(await auditRow("admin.sessions_revoked", user.userId)).toEqual({
      actorId: support.userId,
      reason: "suspected token theft",
    });
    const again = await signIn(app, user.email, GOOD_PASSWORD, user.teamId);
    expect(await me(app, again.accessToken)).toBe(200);
  });

  it("reset-2fa removes a platform user's second factor: they must enrol again, and are mailed", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const support = await platformSession(app, ["support"]);
    const res = await admin.call("POST", `/api/v1/admin/users/${support.userId}/reset-2fa`, {
      reason: "lost phone",
    });
    expect(res.status).toBe(204);
    await waitForMail(app, support.email, { template: "admin_mfa_reset" });
    const step = (await (await login(app, support.email)).json()) as { step: string };
    expect(step.step).toBe("mfa_setup");
    expect(await auditRow("mfa.admin_reset", support.userId)).toEqual({
      actorId: admin.userId,
      reason: "lost phone",
    });
  });

  it("resend-verification mails a fresh link to an unverified user (202), audited with the optional reason", async () => {
    const app = testWorker();
    const admin = await platformSession(app, ["admin"]);
    const email = uniqueEmail("unverified");
    const reg = await app.request("POST", "/api/v1/auth/register", {
      body: { email, password: GOOD_PASSWORD, teamName: "Later", turnstileToken: DUMMY_TURNSTILE },
    });
    const { userId } = (await reg.json()) as { userId: string };
    await waitForMail(app, email, { template: "verify_email" });
    const res = await admin.call("POST", `/api/v1/admin/users/${userId}/resend-verification`, {
      reason: "user asked on chat",
    });
    expect(res.status).toBe(202);
    const mails = await waitForMail(app, email, { template: "verify_email", count: 2 });
    const verified = await app.request("POST", "/api/v1/auth/verify-email", {
      body: { token: new URL(mails[0]?.links[0] ?? "").searchParams.get("token") },
    });
    expect(verified.status).toBe(200);
    expect(await auditRow("admin.verification_resent", userId)).toEqual({
      actorId: admin.userId,
      reason: "user asked on chat",
    });
  });
});
