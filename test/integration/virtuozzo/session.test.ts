import { afterEach, describe, expect, it, vi } from "vitest";
import { waitForMail } from "../../support/helpers";
import { as } from "../../support/teams";
import {
  auditActions,
  captureLogs,
  connectedTeam,
  developerOf,
  LOGIN,
  PASSWORD,
  rawRow,
  TOKEN,
  virtuozzoWorld,
  type World,
} from "./support";

const SECOND = 1000;
type Key = { sessionKey: string; expiresAt: string };

/**
 * Connected with sessionTtlSeconds 3600: the safety window is the last 600 s. Moving the clock that far outlives
 * access tokens, so the team's backend calls with an API key (`virtuozzo:use`, and `virtuozzo:manage` to read
 * the status); a Developer's token is used before the clock moves.
 */
async function setup(world: World) {
  const { owner, base } = await connectedTeam(world);
  const developer = await developerOf(world, owner);
  const first = (await (await developer.call("GET", `${base}/session`)).json()) as Key;
  const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
    name: "backend",
    permissions: ["virtuozzo:use", "virtuozzo:manage"],
  });
  const backend = as(world.app, ((await created.json()) as { key: string }).key);
  world.fake.resetCounts();
  return { owner, developer, backend, base, first };
}

/** The Owner's access token, renewed with its refresh token (after the clock moved). */
async function ownerNow(world: World, owner: { refreshToken: string; deviceId: string }) {
  const res = await world.app.request("POST", "/api/v1/auth/refresh", {
    body: { refreshToken: owner.refreshToken, deviceId: owner.deviceId },
  });
  if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
  const tokens = (await res.json()) as { accessToken: string; refreshToken: string };
  owner.refreshToken = tokens.refreshToken;
  return as(world.app, tokens.accessToken);
}

const intoWindow = (world: World) => world.clock.advance(3300 * SECOND); // 300 s left < 600 s

afterEach(() => vi.restoreAllMocks());

describe("team session keys", () => {
  it("outside the window every request is served from the cache, with no sign-in", async () => {
    const world = virtuozzoWorld();
    const { backend, base, first } = await setup(world);
    world.clock.advance(2900 * SECOND); // 700 s left: outside the window
    const res = await backend("GET", `${base}/session`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual(first);
    expect(world.fake.counts.signin).toBe(0);
  });

  it("100 concurrent requests inside the safety window cause exactly one sign-in and all get the new key", async () => {
    const world = virtuozzoWorld();
    const { owner, backend, base, first } = await setup(world);
    intoWindow(world);
    const logs = captureLogs();
    world.fake.config.latencyMs = 150; // the sign-in is slow: the others pile up behind it
    const answers = await Promise.all(Array.from({ length: 100 }, () => backend("GET", `${base}/session`)));
    expect(answers.map((r) => r.status)).toEqual(Array(100).fill(200));
    const keys = (await Promise.all(answers.map((r) => r.json()))) as Key[];
    expect(world.fake.counts.signin).toBe(1);
    expect(new Set(keys.map((k) => k.sessionKey)).size).toBe(1);
    expect(keys[0]?.sessionKey).not.toBe(first.sessionKey);
    expect(world.fake.isLive(keys[0]?.sessionKey ?? "")).toBe(true);
    expect(Date.parse(keys[0]?.expiresAt ?? "")).toBe(world.clock.now() + 3600 * SECOND);
    const refreshed = (await auditActions(world, owner.teamId)).filter(
      (a) => a.action === "virtuozzo.refreshed",
    );
    expect(refreshed).toHaveLength(1);
    expect(JSON.parse(refreshed[0]?.metadata ?? "{}")).toMatchObject({
      trigger: "expiry",
      authKind: "password",
    });
    expect(logs.join("\n")).toContain("/virtuozzo/session"); // the request lines, without a secret
    for (const secret of [first.sessionKey, keys[0]?.sessionKey ?? "", PASSWORD]) {
      expect(logs.join("\n")).not.toContain(secret);
    }
  });

  it("a key reported invalid is checked and refreshed once, also under 20 concurrent reports", async () => {
    const world = virtuozzoWorld();
    const { owner, developer, base, first } = await setup(world);
    const report = (sessionKey: string) => developer.call("POST", `${base}/session/invalid`, { sessionKey });

    // Still valid at Virtuozzo: checked, kept.
    const kept = await report(first.sessionKey);
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as Key).sessionKey).toBe(first.sessionKey);
    expect(world.fake.counts).toMatchObject({ checksign: 1, signin: 0 });

    // Really invalid: one refresh.
    world.fake.invalidate(first.sessionKey);
    const renewed = (await (await report(first.sessionKey)).json()) as Key;
    expect(renewed.sessionKey).not.toBe(first.sessionKey);
    expect(world.fake.counts).toMatchObject({ checksign: 2, signin: 1 });

    // A key that is no longer the current one: the current key back, nothing else.
    const old = (await (await report(first.sessionKey)).json()) as Key;
    expect(old.sessionKey).toBe(renewed.sessionKey);
    expect(world.fake.counts).toMatchObject({ checksign: 2, signin: 1 });

    // 20 holders report the same invalid key at once: one checksign, one sign-in, one new key for all.
    world.fake.invalidate(renewed.sessionKey);
    world.fake.config.latencyMs = 100;
    const many = await Promise.all(Array.from({ length: 20 }, () => report(renewed.sessionKey)));
    expect(many.map((r) => r.status)).toEqual(Array(20).fill(200));
    const keys = (await Promise.all(many.map((r) => r.json()))) as Key[];
    expect(new Set(keys.map((k) => k.sessionKey)).size).toBe(1);
    expect(keys[0]?.sessionKey).not.toBe(renewed.sessionKey);
    expect(world.fake.counts).toMatchObject({ checksign: 3, signin: 2 });

    const audit = await auditActions(world, owner.teamId);
    const outcomes = audit
      .filter((a) => a.action === "virtuozzo.key_reported_invalid")
      .map((a) => JSON.parse(a.metadata).outcome);
    expect(outcomes).toEqual(["still_valid", "invalid", "invalid"]);
    const triggers = audit
      .filter((a) => a.action === "virtuozzo.refreshed")
      .map((a) => JSON.parse(a.metadata).trigger);
    expect(triggers).toEqual(["invalid_report", "invalid_report"]);
    // The body is checked: an empty report is a 422, never a refresh.
    expect((await developer.call("POST", `${base}/session/invalid`, {})).status).toBe(422);
  });

  it("Virtuozzo down: the old key while it is valid, then 502 virtuozzo_unavailable; recovers once it is back", async () => {
    const world = virtuozzoWorld();
    const { owner, backend, base, first } = await setup(world);
    intoWindow(world);
    for (const failure of ["http_500", "unreachable"] as const) {
      world.fake.config.failure = failure;
      world.clock.advance(11 * SECOND); // past the failure back-off: a new attempt
      const res = await backend("GET", `${base}/session`);
      expect(res.status, failure).toBe(200);
      expect(await res.json()).toEqual(first);
    }
    // Concurrent requests during an outage share the leader's outcome: still the old key.
    world.clock.advance(11 * SECOND);
    const burst = await Promise.all(Array.from({ length: 10 }, () => backend("GET", `${base}/session`)));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
    world.clock.advance(300 * SECOND); // the old key has expired
    const down = await backend("GET", `${base}/session`);
    expect(down.status).toBe(502);
    expect(((await down.json()) as { code: string }).code).toBe("virtuozzo_unavailable");
    const status = (await (await backend("GET", base)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ connected: true, lastFailure: "unavailable" });

    world.fake.config.failure = "none";
    world.clock.advance(11 * SECOND);
    const back = await backend("GET", `${base}/session`);
    expect(back.status).toBe(200);
    expect(((await back.json()) as Key).sessionKey).not.toBe(first.sessionKey);
    const actions = (await auditActions(world, owner.teamId)).map((a) => a.action);
    expect(actions.filter((a) => a === "virtuozzo.refresh_failed")).toHaveLength(4);
    expect(actions.at(-1)).toBe("virtuozzo.refreshed");
  });

  it("rejected credentials: 409 virtuozzo_reauth_required for everyone, the Owner is mailed, connected: false", async () => {
    const world = virtuozzoWorld();
    const { owner, backend, base } = await setup(world);
    const account = world.fake.accounts[LOGIN];
    if (account) account.password = "changed-at-virtuozzo";
    const logs = captureLogs();
    intoWindow(world);
    world.fake.config.latencyMs = 50;
    const answers = await Promise.all(Array.from({ length: 10 }, () => backend("GET", `${base}/session`)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(409));
    const problem = (await answers[0]?.json()) as { code: string };
    expect(problem.code).toBe("virtuozzo_reauth_required");
    expect(world.fake.counts.signin).toBe(1);

    const [mail] = await waitForMail(world.app, owner.email, { template: "virtuozzo_reauth" });
    expect(mail?.links[0]).toContain(`/teams/${owner.teamId}`);
    expect(await (await backend("GET", base)).json()).toMatchObject({
      connected: false,
      lastFailure: "rejected",
      expiresAt: null,
    });
    expect((await rawRow(world, owner.teamId))?.session_key).toBeNull();
    // From now on nobody reaches Virtuozzo until the Owner reconnects.
    expect((await backend("GET", `${base}/session`)).status).toBe(409);
    expect((await (await ownerNow(world, owner))("POST", `${base}/refresh`)).status).toBe(409);
    expect(world.fake.counts.signin).toBe(1);
    const actions = (await auditActions(world, owner.teamId)).map((a) => [a.action, a.reason]);
    expect(actions).toContainEqual(["virtuozzo.refresh_failed", "rejected"]);
    expect(actions).toContainEqual(["virtuozzo.reauth_required", "rejected"]);
    expect(logs.join("\n")).toContain("virtuozzo refresh failed");
    expect(logs.join("\n")).not.toContain(PASSWORD);
  });

  it("the Owner's refresh forces a new key at once", async () => {
    const world = virtuozzoWorld();
    const { owner, developer, base, first } = await setup(world);
    const res = await owner.call("POST", `${base}/refresh`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ connected: true, groupType: "billing" });
    expect(world.fake.counts.signin).toBe(1);
    const next = (await (await developer.call("GET", `${base}/session`)).json()) as Key;
    expect(next.sessionKey).not.toBe(first.sessionKey);
    const refreshed = (await auditActions(world, owner.teamId)).filter(
      (a) => a.action === "virtuozzo.refreshed",
    );
    expect(refreshed.map((a) => JSON.parse(a.metadata).trigger)).toEqual(["forced"]);
  });

  it("a personal access token is re-validated with checksign (never a sign-in); a revoked one needs the Owner", async () => {
    const world = virtuozzoWorld();
    const { owner, base } = await connectedTeam(world, {
      login: undefined,
      password: undefined,
      token: TOKEN,
    });
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "backend",
      permissions: ["virtuozzo:use"],
    });
    const backend = as(world.app, ((await created.json()) as { key: string }).key);
    intoWindow(world);
    const renewed = (await (await backend("GET", `${base}/session`)).json()) as Key;
    expect(renewed.sessionKey).toBe(TOKEN);
    expect(Date.parse(renewed.expiresAt)).toBe(world.clock.now() + 3600 * SECOND);
    expect(world.fake.counts).toMatchObject({ signin: 0, checksign: 1 });

    delete world.fake.tokens[TOKEN]; // revoked in Virtuozzo
    intoWindow(world);
    const refused = await backend("GET", `${base}/session`);
    expect(refused.status).toBe(409);
    await waitForMail(world.app, owner.email, { template: "virtuozzo_reauth" });
    expect(world.fake.counts).toMatchObject({ signin: 0, checksign: 2 });
  });
});
