import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail } from "../../support/helpers";
import { FORBIDDEN_COPY, memberSession, ownerSession, roleId } from "../../support/teams";

describe("roles", () => {
  it("lists the built-in roles; none of them can be edited or deleted", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const res = await owner.call("GET", `/api/v1/teams/${owner.teamId}/roles`);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: { id: string; name: string; permissions: string[]; inherits: null; builtIn: boolean }[];
    };
    expect(items.map((r) => [r.name, r.builtIn]).sort()).toEqual([
      ["Developer", true],
      ["Manager", true],
      ["Owner", true],
    ]);
    expect(items.find((r) => r.name === "Owner")).toMatchObject({ permissions: ["*"], inherits: null });
    for (const role of items) {
      const patch = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/roles/${role.id}`, {
        permissions: ["team:read"],
      });
      expect(patch.status).toBe(409);
      expect(await patch.json()).toMatchObject({ code: "role_protected" });
      const del = await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/roles/${role.id}`);
      expect(del.status).toBe(409);
    }
  });

  it("a custom wildcard role can invite; edits apply at refresh; a role in use cannot be deleted", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "Recruiter",
      permissions: ["members:*", "team:read", "members:read"],
    });
    expect(created.status).toBe(201);
    const recruiter = (await created.json()) as { id: string; permissions: string[]; builtIn: boolean };
    expect(recruiter).toMatchObject({
      permissions: ["members:*", "team:read"],
      builtIn: false,
      inherits: null,
    });

    const member = await memberSession(app, owner.accessToken, owner.teamId, "Recruiter");
    const invited = await member.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email: uniqueEmail("friend"),
      roleId: await roleId(owner.teamId, "Developer"),
    });
    // the Developer role grants resources:* etc., which a Recruiter does not hold: no escalation by invitation
    expect(invited.status).toBe(403);
    const sameRole = await member.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email: uniqueEmail("friend"),
      roleId: recruiter.id,
    });
    expect(sameRole.status).toBe(201);

    const inUse = await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/roles/${recruiter.id}`);
    expect(inUse.status).toBe(409);
    expect(await inUse.json()).toMatchObject({ code: "role_in_use" });

    const edited = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/roles/${recruiter.id}`, {
      permissions: ["team:read"],
    });
    expect(edited.status).toBe(200);
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: member.refreshToken, deviceId: member.deviceId },
    });
    const tokens = (await refreshed.json()) as { accessToken: string; permissions: string[] };
    expect(tokens.permissions).toEqual(["team:read"]);
    const refused = await app.request("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
      body: { email: uniqueEmail("late"), roleId: recruiter.id },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "forbidden", detail: FORBIDDEN_COPY });
  });

  it("inheritance: effective permissions at sign-in; cycles and escalation refused", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const developer = await roleId(owner.teamId, "Developer");
    const lead = (await (
      await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
        name: "Lead",
        permissions: ["members:invite"],
        inherits: developer,
      })
    ).json()) as { id: string; effectivePermissions: string[] };
    expect(lead.effectivePermissions).toEqual(
      expect.arrayContaining(["members:invite", "resources:*", "team:read"]),
    );
    const senior = (await (
      await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
        name: "Senior",
        permissions: ["audit:read"],
        inherits: lead.id,
      })
    ).json()) as { id: string };

    // Lead → Senior → Lead would be a cycle; so would a role inheriting itself
    for (const inherits of [senior.id, lead.id]) {
      const cycle = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/roles/${lead.id}`, { inherits });
      expect(cycle.status).toBe(422);
      expect(await cycle.json()).toMatchObject({
        code: "validation_failed",
        errors: [{ path: "inherits", reason: "cycle" }],
      });
    }

    const member = await memberSession(app, owner.accessToken, owner.teamId, "Senior");
    const me = (await (await member.call("GET", "/api/v1/auth/me")).json()) as { permissions: string[] };
    expect(me.permissions).toEqual(expect.arrayContaining(["audit:read", "members:invite", "resources:*"]));
    // refresh resolves the same chain (Senior → Lead → Developer) from its own first read
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: member.refreshToken, deviceId: member.deviceId },
    });
    expect(refreshed.status).toBe(200);
    const after = (await refreshed.json()) as { permissions: string[] };
    expect([...after.permissions].sort()).toEqual([...me.permissions].sort());

    // a Manager cannot create or widen a role beyond what a Manager holds
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    for (const permissions of [["*"], ["billing:read"], ["team:delete"]]) {
      const res = await manager.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
        name: "Sneaky",
        permissions,
      });
      expect(res.status).toBe(403);
    }
    const viaInheritance = await manager.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "Sneaky",
      permissions: [],
      inherits: await roleId(owner.teamId, "Owner"),
    });
    expect(viaInheritance.status).toBe(403);
    const ok = await manager.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "Helper",
      permissions: ["members:read"],
    });
    expect(ok.status).toBe(201);
  });

  it("refuses unknown permissions, unknown parents and duplicate names with problems, never a 500", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/roles`;
    const bad = await owner.call("POST", path, { name: "X", permissions: ["members:fly", "team:read"] });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ errors: [{ path: "permissions.0" }] });
    expect((await owner.call("POST", path, { name: "X", permissions: [], inherits: "ghost" })).status).toBe(
      422,
    );
    expect((await owner.call("POST", path, { name: "", permissions: [] })).status).toBe(422);
    expect((await owner.call("POST", path, { name: "X", permissions: "team:read" })).status).toBe(422);
    expect((await owner.call("POST", path, { name: "Manager", permissions: [] })).status).toBe(409);
    expect((await owner.call("PATCH", `${path}/unknown`, { name: "Y" })).status).toBe(404);
  });
});
