import { afterEach, describe, expect, it, vi } from "vitest";
import { FORBIDDEN_COPY, memberSession, ownerSession } from "../../support/teams";
import {
  auditActions,
  connectedTeam,
  developerOf,
  FAKE_API,
  LOGIN,
  PASSWORD,
  rawRow,
  TOKEN,
  virtuozzoWorld,
} from "./support";

afterEach(() => vi.restoreAllMocks());

describe("Virtuozzo connection (PUT/GET/DELETE)", () => {
  it("the Owner connects: signs in first, stores the credential and key sealed, answers no secret", async () => {
    const world = virtuozzoWorld();
    const lines: string[] = [];
    for (const level of ["log", "warn", "error", "info"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    }
    const { owner, base } = await connectedTeam(world);
    expect(world.fake.counts.signin).toBe(1);
    expect(world.fake.counts.getaccount).toBe(1);

    const status = await owner.call("GET", base);
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      connected: true,
      groupType: "billing",
      apiUrl: FAKE_API,
      authKind: "password",
      sessionTtlSeconds: 3600,
      lastFailure: null,
    });
    expect(typeof body.expiresAt).toBe("string");
    expect(typeof body.lastRefreshAt).toBe("string");

    const key = (await (await owner.call("GET", `${base}/session`)).json()) as { sessionKey: string };
    expect(world.fake.isLive(key.sessionKey)).toBe(true);
    expect(world.fake.counts.signin).toBe(1); // served from the stored key, no second sign-in
    expect(JSON.stringify(body)).not.toContain(key.sessionKey);
    expect(JSON.stringify(body)).not.toContain(PASSWORD);

    // At rest: nothing in clear (the sealed form is gh1.<kid>.<iv>.<ciphertext>).
    const row = await rawRow(world, owner.teamId);
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain(LOGIN);
    expect(raw).not.toContain(key.sessionKey);
    expect(String(row?.credential)).toMatch(/^gh1\./);
    expect(String(row?.session_key)).toMatch(/^gh1\./);
    expect(row?.generation).toBeGreaterThan(0);

    // …nor in the audit log or the Worker's logs.
    const audit = await auditActions(world, owner.teamId);
    expect(audit.map((a) => a.action)).toEqual(["virtuozzo.connected"]);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    expect(JSON.stringify(audit)).not.toContain(key.sessionKey);
    const logged = lines.join("\n");
    expect(logged).toContain("virtuozzo connected");
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(key.sessionKey);
  });

  it("writes are the Owner's: Manager and Developer get 403; only virtuozzo:manage reads the status", async () => {
    const world = virtuozzoWorld();
    const { owner, base } = await connectedTeam(world);
    const manager = await memberSession(world.app, owner.accessToken, owner.teamId, "Manager");
    const developer = await developerOf(world, owner);
    const put = { apiUrl: FAKE_API, login: LOGIN, password: PASSWORD };
    for (const member of [manager, developer]) {
      for (const [method, path, body] of [
        ["PUT", base, put],
        ["DELETE", base, undefined],
        ["POST", `${base}/refresh`, undefined],
        ["GET", base, undefined],
      ] as const) {
        const res = await member.call(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(((await res.json()) as { detail: string }).detail).toBe(FORBIDDEN_COPY);
      }
    }
    expect(world.fake.counts.signin).toBe(1); // the refused PUTs never reached Virtuozzo
    // …while both may use the session (virtuozzo:use)
    expect((await manager.call("GET", `${base}/session`)).status).toBe(200);
    expect((await developer.call("GET", `${base}/session`)).status).toBe(200);
    // an API key with virtuozzo:use too, but never a write
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "backend",
      permissions: ["virtuozzo:use", "virtuozzo:manage"],
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const headers = { authorization: `Bearer ${key}` };
    expect((await world.app.request("GET", `${base}/session`, { headers })).status).toBe(200);
    expect((await world.app.request("GET", base, { headers })).status).toBe(200);
    expect((await world.app.request("DELETE", base, { headers })).status).toBe(403);
    expect((await world.app.request("POST", `${base}/refresh`, { headers })).status).toBe(403);
  });

  it("refuses an apiUrl against the SSRF rules (422) before calling anything", async () => {
    const world = virtuozzoWorld();
    const owner = await ownerSession(world.app);
    const base = `/api/v1/teams/${owner.teamId}/virtuozzo`;
    for (const apiUrl of [
      "https://169.254.169.254",
      "https://[::1]",
      "https://2130706434",
      "http://10.0.0.1:8790",
      "https://user:pw@app.jelastic.com",
      "https://evil.example.net",
    ]) {
      const res = await owner.call("PUT", base, { apiUrl, login: LOGIN, password: PASSWORD });
      expect(res.status, apiUrl).toBe(422);
      const problem = (await res.json()) as { code: string; errors: { path: string }[] };
      expect(problem.code).toBe("validation_failed");
      expect(problem.errors[0]?.path).toBe("apiUrl");
    }
    expect(world.fake.counts.signin).toBe(0);
    expect(await rawRow(world, owner.teamId)).toBeNull();
  });

  it("validates the body: a token or a login and password, a bounded sessionTtlSeconds", async () => {
    const world = virtuozzoWorld();
    const owner = await ownerSession(world.app);
    const base = `/api/v1/teams/${owner.teamId}/virtuozzo`;
    const cases: [Record<string, unknown>, string][] = [
      [{ apiUrl: FAKE_API, login: LOGIN }, "password"],
      [{ apiUrl: FAKE_API, token: TOKEN, password: PASSWORD }, "password"],
      [{ apiUrl: FAKE_API, token: TOKEN, sessionTtlSeconds: 10 }, "sessionTtlSeconds"],
      [{ apiUrl: FAKE_API, token: TOKEN, extra: 1 }, "extra"],
    ];
    for (const [body, field] of cases) {
      const res = await owner.call("PUT", base, body);
      expect(res.status).toBe(422);
      const { errors } = (await res.json()) as { errors: { path: string }[] };
      expect(errors.map((e) => e.path)).toContain(field);
    }
  });

  it("stores nothing when Virtuozzo refuses the credential (422) or cannot be reached (502)", async () => {
    const world = virtuozzoWorld();
    const owner = await ownerSession(world.app);
    const base = `/api/v1/teams/${owner.teamId}/virtuozzo`;
    const wrong = await owner.call("PUT", base, {
      apiUrl: FAKE_API,
      login: LOGIN,
      password: "wrong-password",
    });
    expect(wrong.status).toBe(422);
    const problem = (await wrong.json()) as { errors: { path: string; reason: string }[] };
    expect(problem.errors).toContainEqual({
      path: "password",
      message: expect.any(String),
      reason: "rejected",
    });
    const badToken = await owner.call("PUT", base, { apiUrl: FAKE_API, token: "not-a-known-token" });
    expect(badToken.status).toBe(422);

    for (const failure of ["http_500", "unreachable", "bad_json"] as const) {
      world.fake.config.failure = failure;
      const down = await owner.call("PUT", base, { apiUrl: FAKE_API, login: LOGIN, password: PASSWORD });
      expect(down.status, failure).toBe(502);
      expect(((await down.json()) as { code: string }).code).toBe("virtuozzo_unavailable");
    }
    expect(await rawRow(world, owner.teamId)).toBeNull();
    expect(await (await owner.call("GET", base)).json()).toMatchObject({ connected: false, groupType: null });
    expect((await owner.call("GET", `${base}/session`)).status).toBe(404);
  });

  it("connects with a personal access token: validated with getuserinfo, served as the key, never signed out", async () => {
    const world = virtuozzoWorld();
    const { owner, base } = await connectedTeam(world, {
      login: undefined,
      password: undefined,
      token: TOKEN,
    });
    expect(world.fake.counts.signin).toBe(0);
    expect(world.fake.counts.getuserinfo).toBe(1);
    expect(await (await owner.call("GET", base)).json()).toMatchObject({
      connected: true,
      authKind: "token",
    });
    const key = (await (await owner.call("GET", `${base}/session`)).json()) as { sessionKey: string };
    expect(key.sessionKey).toBe(TOKEN);
    expect(JSON.stringify(await rawRow(world, owner.teamId))).not.toContain(TOKEN);
    expect((await owner.call("DELETE", base)).status).toBe(204);
    expect(world.fake.counts.signout).toBe(0);
  });

  it("DELETE signs out at Virtuozzo and forgets; a new PUT starts a new generation", async () => {
    const world = virtuozzoWorld();
    const { owner, base } = await connectedTeam(world);
    const developer = await developerOf(world, owner);
    const first = (await (await developer.call("GET", `${base}/session`)).json()) as { sessionKey: string };
    expect((await owner.call("DELETE", base)).status).toBe(204);
    expect(world.fake.counts.signout).toBe(1);
    expect(world.fake.isLive(first.sessionKey)).toBe(false);
    expect(await rawRow(world, owner.teamId)).toBeNull();
    const gone = await developer.call("GET", `${base}/session`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { code: string }).code).toBe("virtuozzo_not_connected");
    expect((await owner.call("DELETE", base)).status).toBe(404);

    // Reconnect with the trial account: the team's object never serves the forgotten key.
    const again = await owner.call("PUT", base, {
      apiUrl: FAKE_API,
      login: "trial@example.com",
      password: "trial-virtuozzo-password",
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ connected: true, groupType: "trial" });
    const second = (await (await developer.call("GET", `${base}/session`)).json()) as { sessionKey: string };
    expect(second.sessionKey).not.toBe(first.sessionKey);
    expect(world.fake.isLive(second.sessionKey)).toBe(true);

    // Replacing a connection signs the replaced session out (after the commit).
    const third = await owner.call("PUT", base, { apiUrl: FAKE_API, login: LOGIN, password: PASSWORD });
    expect(third.status).toBe(200);
    await vi.waitFor(() => expect(world.fake.isLive(second.sessionKey)).toBe(false));
    const actions = (await auditActions(world, owner.teamId)).map((a) => a.action);
    expect(actions).toEqual([
      "virtuozzo.connected",
      "virtuozzo.disconnected",
      "virtuozzo.connected",
      "virtuozzo.connected",
    ]);
  });
});
