import { describe, expect, it } from "vitest";
import { testClock, testWorker } from "../../support/helpers";
import { as, FORBIDDEN_COPY, memberSession, ownerSession, roleId } from "../../support/teams";

const HOUR = 3600 * 1000;

describe("API keys", () => {
  it("is shown once, stored hashed, and its scope is enforced", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "CI",
      permissions: ["team:read", "members:read"],
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string; prefix: string; permissions: string[] };
    expect(key.key).toMatch(/^gh_[A-Za-z0-9_-]{32}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(key.permissions).toEqual(["members:read", "team:read"]);
    const stored = await app.bindings.DB.prepare("SELECT key_hash FROM api_keys WHERE id = ?")
      .bind(key.id)
      .first<{ key_hash: string }>();
    expect(stored?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.key_hash).not.toContain(key.key.slice(3));

    const call = as(app, key.key);
    expect((await call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);
    expect((await call("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(200);
    const refused = await call("POST", `/api/v1/teams/${owner.teamId}/roles`, { name: "X", permissions: [] });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "forbidden", detail: FORBIDDEN_COPY });
    expect((await call("GET", `/api/v1/teams/${owner.teamId}/api-keys`)).status).toBe(403);

    // user-only routes refuse API keys
    for (const [method, path] of [
      ["GET", "/api/v1/auth/me"],
      ["GET", "/api/v1/auth/sessions"],
      ["GET", "/api/v1/teams"],
      ["POST", "/api/v1/auth/logout"],
    ] as const) {
      const res = await call(method, path);
      expect(res.status).toBe(403);
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope"');
    }
    expect((await call("DELETE", `/api/v1/teams/${owner.teamId}`)).status).toBe(403);

    // a key acts for its own team only
    const elsewhere = (await (await owner.call("POST", "/api/v1/teams", { name: "Elsewhere" })).json()) as {
      id: string;
    };
    expect((await call("GET", `/api/v1/teams/${elsewhere.id}`)).status).toBe(403);

    // unknown keys are 401
    expect((await as(app, `gh_${"A".repeat(32)}`)("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(401);
    expect((await as(app, "gh_short")("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(401);

    // the list never shows the key; last use and today's count are there
    const list = (await (await owner.call("GET", `/api/v1/teams/${owner.teamId}/api-keys`)).json()) as {
      items: { id: string; lastUsedAt: string | null; usage: { count: number }[]; key?: string }[];
    };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]?.key).toBeUndefined();
    expect(list.items[0]?.lastUsedAt).not.toBeNull();
    expect(list.items[0]?.usage[0]?.count).toBeGreaterThanOrEqual(3);
  });

  it("expires, is revoked, and rotates (the old key dies)", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/api-keys`;
    const expiring = (await (
      await owner.call("POST", path, {
        name: "short",
        permissions: ["team:read"],
        expiresAt: new Date(clock.now() + HOUR).toISOString(),
      })
    ).json()) as { key: string };
    const revocable = (await (
      await owner.call("POST", path, { name: "r", permissions: ["team:read"] })
    ).json()) as {
      id: string;
      key: string;
    };
    const rotating = (await (
      await owner.call("POST", path, { name: "rot", permissions: ["team:read"] })
    ).json()) as {
      id: string;
      key: string;
    };
    const team = `/api/v1/teams/${owner.teamId}`;
    expect((await as(app, expiring.key)("GET", team)).status).toBe(200);

    expect((await owner.call("DELETE", `${path}/${revocable.id}`)).status).toBe(204);
    expect((await as(app, revocable.key)("GET", team)).status).toBe(401);
    expect((await owner.call("DELETE", `${path}/${revocable.id}`)).status).toBe(404);

    const rotated = await owner.call("POST", `${path}/${rotating.id}/rotate`);
    expect(rotated.status).toBe(201);
    const fresh = (await rotated.json()) as { id: string; key: string; name: string };
    expect(fresh).toMatchObject({ name: "rot" });
    expect(fresh.key).not.toBe(rotating.key);
    expect((await as(app, rotating.key)("GET", team)).status).toBe(401);
    expect((await as(app, fresh.key)("GET", team)).status).toBe(200);

    clock.advance(2 * HOUR);
    const expired = await as(app, expiring.key)("GET", team);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("no escalation: a key's scope is a subset of its creator's; a removed creator's keys stop working", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/api-keys`;
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    expect((await dev.call("POST", path, { name: "x", permissions: ["resources:read"] })).status).toBe(403);
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    for (const permissions of [["*"], ["billing:read"], ["team:delete"], ["members:*", "virtuozzo:manage"]]) {
      const res = await manager.call("POST", path, { name: "x", permissions });
      expect(res.status).toBe(403);
    }
    const ok = await manager.call("POST", path, { name: "mgr", permissions: ["members:*"] });
    expect(ok.status).toBe(201);
    const { key } = (await ok.json()) as { key: string };
    // the key acts with its own scope only
    const viaKey = await as(app, key)("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "y",
      permissions: [],
    });
    expect(viaKey.status).toBe(403);
    expect((await as(app, key)("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(200);

    expect(
      (await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/members/${manager.userId}`)).status,
    ).toBe(204);
    expect((await as(app, key)("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(401);
  });

  it("a key never outgrows its creator: demoting them or narrowing their role revokes keys beyond it", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/api-keys`;
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const wide = (await (
      await manager.call("POST", path, { name: "wide", permissions: ["members:*"] })
    ).json()) as {
      key: string;
    };
    const narrow = (await (
      await manager.call("POST", path, { name: "narrow", permissions: ["team:read"] })
    ).json()) as {
      key: string;
    };
    const demoted = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${manager.userId}`, {
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(demoted.status).toBe(200);
    expect((await as(app, wide.key)("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(401);
    // team:read is still within a Developer's permissions
    expect((await as(app, narrow.key)("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);

    const custom = (await (
      await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
        name: "Keymaster",
        permissions: ["api_keys:*", "team:read"],
      })
    ).json()) as { id: string };
    const keymaster = await memberSession(app, owner.accessToken, owner.teamId, "Keymaster");
    const key = (await (
      await keymaster.call("POST", path, { name: "k", permissions: ["team:read"] })
    ).json()) as {
      key: string;
    };
    expect((await as(app, key.key)("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);
    const narrowed = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/roles/${custom.id}`, {
      permissions: ["api_keys:*"],
    });
    expect(narrowed.status).toBe(200);
    expect((await as(app, key.key)("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(401);
  });

  it("two concurrent rotations of one key mint exactly one successor", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/api-keys`;
    const { id } = (await (
      await owner.call("POST", path, { name: "race", permissions: ["team:read"] })
    ).json()) as {
      id: string;
    };
    const answers = await Promise.all([1, 2, 3].map(() => owner.call("POST", `${path}/${id}/rotate`)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 404, 404]);
    const list = (await (await owner.call("GET", path)).json()) as { items: { name: string }[] };
    expect(list.items.map((k) => k.name)).toEqual(["race"]);
  });

  it("bad input is 422", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/api-keys`;
    for (const body of [
      {},
      { name: "x", permissions: [] },
      { name: "x", permissions: ["nope:read"] },
      { name: "x", permissions: ["team:read"], expiresAt: "tomorrow" },
      { name: "x", permissions: ["team:read"], expiresAt: "2000-01-01T00:00:00Z" },
    ]) {
      const res = await owner.call("POST", path, body);
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
