import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { onlyAdmins, platformSession } from "../../support/admin";
import { GOOD_PASSWORD, testWorker, waitForMail } from "../../support/helpers";
import { as, ownerSession } from "../../support/teams";

type App = ReturnType<typeof testWorker>;

const rolesPath = (userId: string) => `/api/v1/admin/users/${userId}/roles`;

async function rolesOf(userId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT role FROM user_platform_roles WHERE user_id = ? ORDER BY role",
  )
    .bind(userId)
    .all<{ role: string }>();
  return results.map((r) => r.role);
}

async function me(app: App, token: string) {
  return (await as(app, token)("GET", "/api/v1/auth/me")).status;
}

describe("platform roles", () => {
  it("an admin sets the complete set; the user's live tokens die at once and the next sign-in requires 2FA", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const user = await ownerSession(app);
    const res = await admin.call("POST", rolesPath(user.userId), {
      roles: ["support", "billing_admin", "support"],
      reason: "joins the support rota",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ platformRoles: ["billing_admin", "support"] });
    expect(await rolesOf(user.userId)).toEqual(["billing_admin", "support"]);
    expect(await me(app, user.accessToken)).toBe(401);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: GOOD_PASSWORD },
    });
    expect(((await login.json()) as { step: string }).step).toBe("mfa_setup");
    const audit = await env.DB.prepare(
      "SELECT actor_id AS actorId, reason, metadata FROM audit_logs WHERE action = 'admin.platform_roles_changed' AND target_id = ?",
    )
      .bind(user.userId)
      .first<{ actorId: string; reason: string; metadata: string }>();
    expect(audit?.actorId).toBe(admin.userId);
    expect(audit?.reason).toBe("joins the support rota");
    expect(JSON.parse(audit?.metadata ?? "{}")).toEqual({ before: [], after: ["billing_admin", "support"] });
    await waitForMail(app, user.email, { template: "security_alert" });

    // withdrawing: the set shrinks to what is sent, and a support session with the old roles dies
    const support = await platformSession(app, ["support"]);
    const shrink = await admin.call("POST", rolesPath(support.userId), {
      roles: [],
      reason: "left the team",
    });
    expect(await shrink.json()).toEqual({ platformRoles: [] });
    expect(await rolesOf(support.userId)).toEqual([]);
    expect(await me(app, support.accessToken)).toBe(401);
    // the same set again changes nothing
    const same = await admin.call("POST", rolesPath(support.userId), { roles: [], reason: "noop" });
    expect(same.status).toBe(200);
  });

  it("nobody grants themselves a role; support and billing_admin change no roles", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const support = await platformSession(app, ["support"]);
    const billing = await platformSession(app, ["billing_admin"]);
    const own = await admin.call("POST", rolesPath(admin.userId), {
      roles: ["admin", "support"],
      reason: "me",
    });
    expect(own.status).toBe(403);
    expect(((await own.json()) as { code: string }).code).toBe("forbidden");
    for (const who of [support, billing]) {
      expect((await who.call("POST", rolesPath(who.userId), { roles: ["admin"], reason: "me" })).status).toBe(
        403,
      );
      expect((await who.call("POST", rolesPath(admin.userId), { roles: [], reason: "x" })).status).toBe(403);
    }
    expect(await rolesOf(admin.userId)).toEqual(["admin"]);
    expect(await rolesOf(support.userId)).toEqual(["support"]);
  });

  it("two admins demoting each other at once: exactly one succeeds, the other gets 409 last_admin", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const a = await platformSession(app, ["admin"]);
    const b = await platformSession(app, ["admin"]);
    await onlyAdmins([a.userId, b.userId]);
    const [ra, rb] = await Promise.all([
      a.call("POST", rolesPath(b.userId), { roles: ["support"], reason: "race" }),
      b.call("POST", rolesPath(a.userId), { roles: [], reason: "race" }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const loser = ra.status === 409 ? ra : rb;
    expect(((await loser.json()) as { code: string }).code).toBe("last_admin");
    const admins = await env.DB.prepare("SELECT user_id FROM user_platform_roles WHERE role = 'admin'").all();
    expect(admins.results).toHaveLength(1);
    // the refused change wrote nothing: one audit entry, and the loser's target kept every role
    const audits = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_logs WHERE action = 'admin.platform_roles_changed' AND target_id IN (?, ?)",
    )
      .bind(a.userId, b.userId)
      .first<{ n: number }>();
    expect(audits?.n).toBe(1);
  });

  it("a user with a platform role cannot turn 2FA off (409)", async () => {
    const app = testWorker();
    const support = await platformSession(app, ["support"]);
    const res = await support.call("POST", "/api/v1/auth/2fa/disable", {
      password: GOOD_PASSWORD,
      code: support.code(),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/required for platform administrators/);
    const mfa = await env.DB.prepare("SELECT count(*) AS n FROM user_mfa WHERE user_id = ?")
      .bind(support.userId)
      .first<{ n: number }>();
    expect(mfa?.n).toBe(1);
  });
});
