import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { onlyAdmins, platformSession } from "../../support/admin";
import { GOOD_PASSWORD, testWorker, waitForMail } from "../../support/helpers";
import { as, memberSession, ownerSession, roleId } from "../../support/teams";

const REASON = "GDPR erasure request #77";

async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe("erasure", () => {
  it("removes the person's data, keeps their audit entries pseudonymised, and ends their sessions at once", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const host = await ownerSession(app);
    const user = await ownerSession(app);
    const name = `Quentin Erasable ${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare("UPDATE users SET name = ? WHERE id = ?").bind(name, user.userId).run();
    // a membership in someone else's team (through an invitation naming the address) and a failed login
    const invite = await host.call("POST", `/api/v1/teams/${host.teamId}/invitations`, {
      email: user.email,
      roleId: await roleId(host.teamId, "Developer"),
    });
    expect(invite.status).toBe(201);
    const [mail] = await waitForMail(app, user.email, { template: "invitation" });
    const accepted = await as(app, user.accessToken)("POST", "/api/v1/invitations/accept", {
      token: new URL(mail?.links[0] ?? "").searchParams.get("token"),
    });
    expect(accepted.status).toBe(200);
    await app.request("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: "wrong-password-1" },
    });
    // an audit entry whose metadata and reason name the person
    await env.DB.prepare(
      "INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id, ip, user_agent, reason, metadata) VALUES (?, 1, ?, 'team.updated', 'user', ?, '10.9.9.9', 'UA', ?, ?)",
    )
      .bind(
        crypto.randomUUID(),
        user.userId,
        user.userId,
        `asked by ${user.email}`,
        JSON.stringify({ note: `contact ${user.email}`, who: name }),
      )
      .run();
    expect(
      await count("SELECT count(*) AS n FROM audit_logs WHERE actor_id = ?1 OR target_id = ?1", user.userId),
    ).toBeGreaterThan(3);

    const res = await admin.call("DELETE", `/api/v1/admin/users/${user.userId}`, { reason: REASON });
    expect(res.status).toBe(204);

    // the tokens die at once; the address no longer signs in
    expect((await as(app, user.accessToken)("GET", "/api/v1/auth/me")).status).toBe(401);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: GOOD_PASSWORD },
    });
    expect(login.status).toBe(401);
    // personal data gone: the row, memberships, login activity, 2FA, sessions, invitations, mails
    expect(
      await count("SELECT count(*) AS n FROM users WHERE id = ? OR email = ?", user.userId, user.email),
    ).toBe(0);
    for (const table of ["memberships", "login_events", "sessions", "user_mfa", "action_tokens"]) {
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`, user.userId), table).toBe(0);
    }
    expect(await count("SELECT count(*) AS n FROM invitations WHERE email = ?", user.email)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ?", user.email)).toBe(0);
    // the team they were alone in is gone; the host's team stays
    expect(await count("SELECT count(*) AS n FROM teams WHERE id = ?", user.teamId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM teams WHERE id = ?", host.teamId)).toBe(1);
    // audit entries stay, with no address or name left anywhere, nor the person's own IP
    const kept = await count(
      "SELECT count(*) AS n FROM audit_logs WHERE actor_id = ?1 OR target_id = ?1",
      user.userId,
    );
    expect(kept).toBeGreaterThan(3);
    const like = (v: string) => `%${v}%`;
    expect(
      await count(
        "SELECT count(*) AS n FROM audit_logs WHERE metadata LIKE ?1 OR reason LIKE ?1 OR metadata LIKE ?2 OR reason LIKE ?2",
        like(user.email),
        like(name),
      ),
    ).toBe(0);
    expect(
      await count("SELECT count(*) AS n FROM audit_logs WHERE actor_id = ? AND ip IS NOT NULL", user.userId),
    ).toBe(0);
    const erased = await env.DB.prepare(
      "SELECT actor_id AS actorId, reason FROM audit_logs WHERE action = 'admin.user_erased' AND target_id = ?",
    )
      .bind(user.userId)
      .first();
    expect(erased).toEqual({ actorId: admin.userId, reason: REASON });
    expect((await admin.call("GET", `/api/v1/admin/users/${user.userId}`)).status).toBe(404);
  });

  it("refuses while the user owns a team with other members (409), and erases a mere member", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    const owner = await ownerSession(app);
    const member = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const refused = await admin.call("DELETE", `/api/v1/admin/users/${owner.userId}`, { reason: REASON });
    expect(refused.status).toBe(409);
    const problem = (await refused.json()) as { code: string; teams: { id: string }[] };
    expect(problem.code).toBe("owner_transfer_required");
    expect(problem.teams.map((t) => t.id)).toEqual([owner.teamId]);
    expect(await count("SELECT count(*) AS n FROM users WHERE id = ?", owner.userId)).toBe(1);

    expect(
      (await admin.call("DELETE", `/api/v1/admin/users/${member.userId}`, { reason: REASON })).status,
    ).toBe(204);
    expect(await count("SELECT count(*) AS n FROM memberships WHERE team_id = ?", owner.teamId)).toBe(1);
    // now alone, the owner can be erased with the team
    expect(
      (await admin.call("DELETE", `/api/v1/admin/users/${owner.userId}`, { reason: REASON })).status,
    ).toBe(204);
    expect(await count("SELECT count(*) AS n FROM teams WHERE id = ?", owner.teamId)).toBe(0);
  });

  it("never erases oneself nor the last admin; support and billing_admin cannot erase", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const a = await platformSession(app, ["admin"]);
    const b = await platformSession(app, ["admin"]);
    const support = await platformSession(app, ["support"]);
    const billing = await platformSession(app, ["billing_admin"]);
    expect((await a.call("DELETE", `/api/v1/admin/users/${a.userId}`, { reason: REASON })).status).toBe(403);
    for (const who of [support, billing]) {
      expect((await who.call("DELETE", `/api/v1/admin/users/${b.userId}`, { reason: REASON })).status).toBe(
        403,
      );
    }
    await onlyAdmins([a.userId, b.userId]);
    const [ra, rb] = await Promise.all([
      a.call("DELETE", `/api/v1/admin/users/${b.userId}`, { reason: "race" }),
      b.call("DELETE", `/api/v1/admin/users/${a.userId}`, { reason: "race" }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([204, 409]);
    expect(await count("SELECT count(*) AS n FROM user_platform_roles WHERE role = 'admin'")).toBe(1);
  });
});
