import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, signIn, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { as, FORBIDDEN_COPY, memberSession, ownerSession, roleId } from "../../support/teams";

describe("teams", () => {
  it("lists my teams, creates one (I am its Owner), reads and renames it; audited", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const mine = await owner.call("GET", "/api/v1/teams");
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({
      items: [{ id: owner.teamId, name: "Login Team", role: { name: "Owner", id: expect.any(String) } }],
      nextCursor: null,
    });

    const created = await owner.call("POST", "/api/v1/teams", {
      name: "Second Team",
      slug: `second-${Date.now()}`,
    });
    expect(created.status).toBe(201);
    const team = (await created.json()) as { id: string; slug: string };
    expect(team).toMatchObject({ id: expect.any(String), name: "Second Team" });
    const taken = await owner.call("POST", "/api/v1/teams", { name: "Other", slug: team.slug });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ code: "slug_taken" });

    const list = (await (await owner.call("GET", "/api/v1/teams")).json()) as { items: { id: string }[] };
    expect(list.items.map((t) => t.id).sort()).toEqual([owner.teamId, team.id].sort());

    // the token is bound to the first team: the second needs a switch
    expect((await owner.call("GET", `/api/v1/teams/${team.id}`)).status).toBe(403);
    const read = await owner.call("GET", `/api/v1/teams/${owner.teamId}`);
    expect(read.status).toBe(200);
    const renamed = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}`, { name: "Renamed" });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: owner.teamId, name: "Renamed" });
    const audit = await app.bindings.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE action = 'team.updated' AND team_id = ?",
    )
      .bind(owner.teamId)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit?.metadata ?? "{}")).toMatchObject({
      before: { name: "Login Team" },
      after: { name: "Renamed" },
    });
  });

  it("a user in two teams switches team through session-exchange", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const created = await owner.call("POST", "/api/v1/teams", { name: "Switch Target" });
    const team = (await created.json()) as { id: string };
    const switched = await owner.call("POST", "/api/v1/auth/session-exchange", { teamId: team.id });
    expect(switched.status).toBe(200);
    const session = (await switched.json()) as {
      accessToken: string;
      team: { id: string };
      role: { name: string };
    };
    expect(session.team.id).toBe(team.id);
    expect(session.role.name).toBe("Owner");
    const me = await as(app, session.accessToken)("GET", "/api/v1/auth/me");
    expect(await me.json()).toMatchObject({ team: { id: team.id }, role: { name: "Owner" } });
    expect((await as(app, session.accessToken)("GET", `/api/v1/teams/${team.id}`)).status).toBe(200);
  });

  it("bad input is a 422 problem, never a 500", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    for (const body of [
      {},
      { name: "" },
      { name: "x", extra: 1 },
      { name: 5 },
      { name: "ok", slug: "A B" },
    ]) {
      const res = await owner.call("POST", "/api/v1/teams", body);
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    const res = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/nobody`, { roleId: 7 });
    expect(res.status).toBe(422);
    const unknownRole = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${owner.userId}`, {
      roleId: "nope",
    });
    expect(unknownRole.status).toBe(422);
  });
});

describe("members", () => {
  it("Developer cannot invite (403, exact copy); Manager can; Door B user lands with the right role", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const me = await dev.call("GET", "/api/v1/auth/me");
    expect(await me.json()).toMatchObject({
      user: { email: dev.email, emailVerified: true },
      team: { id: owner.teamId },
      role: { name: "Developer" },
      permissions: expect.arrayContaining(["members:read", "resources:*"]),
    });
    const refused = await dev.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email: uniqueEmail("x"),
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "forbidden", detail: FORBIDDEN_COPY });

    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const invited = await manager.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email: uniqueEmail("y"),
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(invited.status).toBe(201);

    const members = await dev.call("GET", `/api/v1/teams/${owner.teamId}/members`);
    const body = (await members.json()) as { items: { userId: string; role: { name: string } }[] };
    expect(body.items.map((m) => m.role.name).sort()).toEqual(["Developer", "Manager", "Owner"]);
  });

  it("role changes apply at the next refresh; the Owner role moves only by transfer; no escalation", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const ownerRole = await roleId(owner.teamId, "Owner");
    const managerRole = await roleId(owner.teamId, "Manager");

    const toOwner = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`, {
      roleId: ownerRole,
    });
    expect(toOwner.status).toBe(409);
    expect(await toOwner.json()).toMatchObject({ code: "owner_transfer_required" });
    const demoteOwner = await manager.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${owner.userId}`, {
      roleId: managerRole,
    });
    expect(demoteOwner.status).toBe(409);
    expect(
      (await manager.call("DELETE", `/api/v1/teams/${owner.teamId}/members/${owner.userId}`)).status,
    ).toBe(409);

    // a Manager holds no billing: cannot hand out a role that has it
    const billing = await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "Billing",
      permissions: ["billing:*"],
    });
    expect(billing.status).toBe(201);
    const billingRole = ((await billing.json()) as { id: string }).id;
    const escalate = await manager.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`, {
      roleId: billingRole,
    });
    expect(escalate.status).toBe(403);
    expect(await escalate.json()).toMatchObject({ detail: FORBIDDEN_COPY });

    const promote = await manager.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`, {
      roleId: managerRole,
    });
    expect(promote.status).toBe(200);
    expect(await promote.json()).toMatchObject({ userId: dev.userId, role: { name: "Manager" } });
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: dev.refreshToken, deviceId: dev.deviceId },
    });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({
      role: { name: "Manager" },
      permissions: expect.arrayContaining(["members:*"]),
    });
    const audit = await app.bindings.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE action = 'member.role_changed' AND target_id = ?",
    )
      .bind(dev.userId)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit?.metadata ?? "{}")).toMatchObject({
      before: { roleName: "Developer" },
      after: { roleName: "Manager" },
    });
  });

  it("a removed member's access token dies at once, and their refresh too", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    expect((await dev.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);
    const removed = await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`);
    expect(removed.status).toBe(204);
    const after = await dev.call("GET", `/api/v1/teams/${owner.teamId}`);
    expect(after.status).toBe(401);
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: dev.refreshToken, deviceId: dev.deviceId },
    });
    expect(refreshed.status).toBe(401);
    const members = (await (await owner.call("GET", `/api/v1/teams/${owner.teamId}/members`)).json()) as {
      items: unknown[];
    };
    expect(members.items).toHaveLength(1);
    // their single-session slot is free again: they sign in (outside any team) without a concurrent-session 409
    const again = await signIn(app, dev.email, GOOD_PASSWORD, null);
    expect(again.accessToken).toEqual(expect.any(String));
  });

  it("deleting a team is for the Owner only and ends every session bound to it", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const refused = await manager.call("DELETE", `/api/v1/teams/${owner.teamId}`);
    expect(refused.status).toBe(403);
    expect((await owner.call("DELETE", `/api/v1/teams/${owner.teamId}`)).status).toBe(204);
    expect((await manager.call("GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await owner.call("GET", "/api/v1/auth/me")).status).toBe(401);
    const rows = await app.bindings.DB.prepare("SELECT count(*) AS n FROM memberships WHERE team_id = ?")
      .bind(owner.teamId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    const audit = await app.bindings.DB.prepare(
      "SELECT actor_id FROM audit_logs WHERE action = 'team.deleted' AND team_id = ?",
    )
      .bind(owner.teamId)
      .first<{ actor_id: string }>();
    expect(audit?.actor_id).toBe(owner.userId);
    // the owner can still sign in, outside any team
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    expect(await login.json()).toMatchObject({ step: "select_team", teams: [] });
    const again = await signIn(app, manager.email, GOOD_PASSWORD, null);
    expect(again.accessToken).toEqual(expect.any(String));
  });
});

describe("cookie-authenticated team changes", () => {
  it("need the session's CSRF token", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    const step = (await login.json()) as { preAuthToken: string; deviceId: string };
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    const jar: Record<string, string> = {};
    for (const line of ex.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const i = pair.indexOf("=");
      jar[pair.slice(0, i)] = pair.slice(i + 1);
    }
    const cookie = `__Host-access=${jar["__Host-access"]}; __Host-csrf=${jar["__Host-csrf"]}`;
    const path = `/api/v1/teams/${owner.teamId}`;
    const read = await app.request("GET", path, { headers: { cookie } });
    expect(read.status).toBe(200);
    const refused = await app.request("PATCH", path, { headers: { cookie }, body: { name: "No CSRF" } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "csrf_failed" });
    const csrf = decodeURIComponent(jar["__Host-csrf"] ?? "");
    const ok = await app.request("PATCH", path, {
      headers: { cookie, "x-csrf-token": csrf },
      body: { name: "With CSRF" },
    });
    expect(ok.status).toBe(200);
  });
});

describe("lists and the OpenAPI document", () => {
  it("pages with ?cursor=&limit=", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const path = `/api/v1/teams/${owner.teamId}/members`;
    const first = (await (await owner.call("GET", `${path}?limit=1`)).json()) as {
      items: { userId: string }[];
      nextCursor: string | null;
    };
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = (await (await owner.call("GET", `${path}?limit=1&cursor=${first.nextCursor}`)).json()) as {
      items: { userId: string }[];
      nextCursor: string | null;
    };
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.userId).not.toBe(first.items[0]?.userId);
    expect(second.nextCursor).toBeNull();
    expect((await owner.call("GET", `${path}?limit=500`)).status).toBe(422);
  });

  it("documents the team routes", async () => {
    const app = testWorker();
    const doc = (await (await app.request("GET", "/api/v1/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      "/api/v1/permissions",
      "/api/v1/teams",
      "/api/v1/teams/{teamId}",
      "/api/v1/teams/{teamId}/members/{userId}",
      "/api/v1/teams/{teamId}/roles/{roleId}",
      "/api/v1/teams/{teamId}/invitations/{id}",
      "/api/v1/invitations/accept",
      "/api/v1/auth/register/invite",
      "/api/v1/teams/{teamId}/ownership-transfer",
      "/api/v1/ownership-transfers/accept",
      "/api/v1/ownership-transfers/decline",
      "/api/v1/teams/{teamId}/api-keys/{id}/rotate",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});

describe("GET /permissions", () => {
  it("lists the catalogue with descriptions", async () => {
    const app = testWorker();
    const res = await app.request("GET", "/api/v1/permissions");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string; description: string }[]; nextCursor: null };
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(21);
    expect(body.items).toContainEqual({ name: "members:invite", description: "Invite people to the team" });
  });
});
