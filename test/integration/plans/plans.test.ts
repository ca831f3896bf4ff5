import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker, tokenFromLink, uniqueEmail, waitForMail } from "../../support/helpers";
import { as, FORBIDDEN_COPY, memberSession, ownerSession, roleId } from "../../support/teams";
import { FAKE_API, LOGIN, PASSWORD, virtuozzoWorld } from "../virtuozzo/support";

type Owner = Awaited<ReturnType<typeof ownerSession>>;

/** Small plans so a limit is reached in a few requests: FREE 3 members / 1 API key / 1 custom role. */
const SMALL = { PLAN_LIMITS: "FREE=3/1/1/10,PRO=100/50/50/100" };

/** What the Virtuozzo feature stores once the Owner connected an account (only its groupType matters here). */
async function virtuozzoAccount(owner: Owner, groupType: string, status = "connected") {
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO virtuozzo_connections (team_id, api_url, auth_kind, credential, status, group_type, connected_by, connected_at, updated_at)
     VALUES (?, 'https://app.jelastic.example', 'token', 'sealed', ?, ?, ?, ?, ?)
     ON CONFLICT (team_id) DO UPDATE SET group_type = excluded.group_type, status = excluded.status`,
  )
    .bind(owner.teamId, status, groupType, owner.userId, now, now)
    .run();
}

async function invite(owner: Owner, email = uniqueEmail("invitee"), role = "Developer") {
  return owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
    email,
    roleId: await roleId(owner.teamId, role),
  });
}

async function expectPlanLimit(res: Response, detail: string) {
  expect(res.status).toBe(402);
  expect(await res.json()).toMatchObject({ code: "plan_limit_reached", status: 402, detail });
}

describe("plans", () => {
  it("a team starts on FREE with the configured limits; PRO needs a billing Virtuozzo account", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/plan`;
    const start = await owner.call("GET", path);
    expect(start.status).toBe(200);
    expect(await start.json()).toEqual({
      plan: "FREE",
      limits: { members: 5, apiKeys: 3, customRoles: 3, eventsPerSecond: 10 },
      groupType: null,
    });

    const none = await owner.call("POST", path, { plan: "PRO" });
    expect(none.status).toBe(409);
    expect(await none.json()).toMatchObject({ code: "billing_account_required" });
    await virtuozzoAccount(owner, "trial");
    expect((await owner.call("POST", path, { plan: "PRO" })).status).toBe(409);
    await virtuozzoAccount(owner, "billing", "reauth_required");
    expect((await owner.call("POST", path, { plan: "PRO" })).status).toBe(409);

    await virtuozzoAccount(owner, "billing");
    const pro = await owner.call("POST", path, { plan: "PRO" });
    expect(pro.status).toBe(200);
    expect(await pro.json()).toEqual({
      plan: "PRO",
      limits: { members: 100, apiKeys: 50, customRoles: 50, eventsPerSecond: 100 },
      groupType: "billing",
    });
    expect((await owner.call("POST", path, { plan: "FREE" })).status).toBe(200);
    const audit = await env.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE team_id = ? AND action = 'plan.changed' ORDER BY at",
    )
      .bind(owner.teamId)
      .all<{ metadata: string }>();
    expect(audit.results.map((r) => JSON.parse(r.metadata))).toMatchObject([
      { before: { plan: "FREE" }, after: { plan: "PRO" } },
      { before: { plan: "PRO" }, after: { plan: "FREE" } },
    ]);
    expect((await owner.call("POST", path, { plan: "GOLD" })).status).toBe(422);
    const events = await env.TEAM_EVENTS.get(env.TEAM_EVENTS.idFromName(owner.teamId)).since(0);
    expect(events.filter((e) => e.type === "plan.changed").map((e) => JSON.parse(e.data))).toEqual([
      { plan: "PRO", previousPlan: "FREE" },
      { plan: "FREE", previousPlan: "PRO" },
    ]);
  });

  it("end to end with the fake Virtuozzo: a trial account is refused PRO, a billing account gets it", async () => {
    const world = virtuozzoWorld();
    const owner = await ownerSession(world.app);
    const connect = (login: string, password: string) =>
      owner.call("PUT", `/api/v1/teams/${owner.teamId}/virtuozzo`, { apiUrl: FAKE_API, login, password });
    expect((await connect("trial@example.com", "trial-virtuozzo-password")).status).toBe(200);
    const plan = `/api/v1/teams/${owner.teamId}/plan`;
    expect(await (await owner.call("GET", plan)).json()).toMatchObject({ plan: "FREE", groupType: "trial" });
    const refused = await owner.call("POST", plan, { plan: "PRO" });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "billing_account_required" });
    expect((await connect(LOGIN, PASSWORD)).status).toBe(200);
    const pro = await owner.call("POST", plan, { plan: "PRO" });
    expect(pro.status).toBe(200);
    expect(await pro.json()).toMatchObject({ plan: "PRO", groupType: "billing" });
  });

  it("limits: read, change (audited with before/after), validated", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const path = `/api/v1/teams/${owner.teamId}/limits`;
    expect(await (await owner.call("GET", path)).json()).toEqual({
      monthlyCapUsd: null,
      hardStop: false,
      warnAtPercent: 80,
    });
    const changed = await owner.call("POST", path, { monthlyCapUsd: 250.5, hardStop: true });
    expect(await changed.json()).toEqual({ monthlyCapUsd: 250.5, hardStop: true, warnAtPercent: 80 });
    expect(await (await owner.call("GET", path)).json()).toEqual({
      monthlyCapUsd: 250.5,
      hardStop: true,
      warnAtPercent: 80,
    });
    for (const body of [
      { warnAtPercent: 100 },
      { warnAtPercent: 0 },
      { monthlyCapUsd: 1.0000001 },
      { monthlyCapUsd: -5 },
      { monthlyCapUsd: 1e10 },
      { hardStop: "yes" },
      {},
      { other: 1 },
    ]) {
      const res = await owner.call("POST", path, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    const audit = await env.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE team_id = ? AND action = 'limits.changed'",
    )
      .bind(owner.teamId)
      .all<{ metadata: string }>();
    expect(audit.results.map((r) => JSON.parse(r.metadata))).toMatchObject([
      {
        before: { monthlyCapUsd: null, hardStop: false, warnAtPercent: 80 },
        after: { monthlyCapUsd: 250.5, hardStop: true, warnAtPercent: 80 },
      },
    ]);
    const events = await env.TEAM_EVENTS.get(env.TEAM_EVENTS.idFromName(owner.teamId)).since(0);
    expect(events.filter((e) => e.type === "limits.changed").map((e) => JSON.parse(e.data))).toEqual([
      {
        limits: { monthlyCapUsd: 250.5, hardStop: true, warnAtPercent: 80 },
        previousLimits: { monthlyCapUsd: null, hardStop: false, warnAtPercent: 80 },
      },
    ]);
  });

  it("billing needs billing permissions: Developer 403, an API key without usage:write 403, with it 201", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const t = owner.teamId;
    for (const [method, path, body] of [
      ["GET", `/api/v1/teams/${t}/plan`, undefined],
      ["POST", `/api/v1/teams/${t}/plan`, { plan: "FREE" }],
      ["GET", `/api/v1/teams/${t}/limits`, undefined],
      ["POST", `/api/v1/teams/${t}/limits`, { hardStop: true }],
      ["GET", `/api/v1/teams/${t}/usage`, undefined],
    ] as const) {
      const res = await dev.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toMatchObject({ code: "forbidden", detail: FORBIDDEN_COPY });
    }
    const post = (token: string) =>
      app.request("POST", `/api/v1/teams/${t}/usage`, {
        headers: { authorization: `Bearer ${token}`, "idempotency-key": crypto.randomUUID() },
        body: { amountUsd: 1, description: "x" },
      });
    expect((await post(dev.accessToken)).status).toBe(403);

    const keyOf = async (permissions: string[]) => {
      const res = await owner.call("POST", `/api/v1/teams/${t}/api-keys`, { name: "backend", permissions });
      expect(res.status).toBe(201);
      return ((await res.json()) as { key: string }).key;
    };
    const reader = await keyOf(["billing:read"]);
    expect((await post(reader)).status).toBe(403);
    expect((await as(app, reader)("GET", `/api/v1/teams/${t}/usage`)).status).toBe(200);
    const writer = await keyOf(["usage:write"]);
    const recorded = await post(writer);
    expect(recorded.status).toBe(201);
    const row = await env.DB.prepare("SELECT api_key_id, actor_id FROM usage_records WHERE team_id = ?")
      .bind(t)
      .first<{ api_key_id: string; actor_id: string }>();
    expect(row?.api_key_id).toBeTruthy();
    expect(row?.actor_id).toBe(owner.userId);
  });
});

describe("plan limits → 402 plan_limit_reached", () => {
  it("invitations count members and pending invitations; a re-invite replaces its own", async () => {
    const app = testWorker({ env: SMALL });
    const owner = await ownerSession(app);
    const first = uniqueEmail("a");
    expect((await invite(owner, first)).status).toBe(201);
    expect((await invite(owner)).status).toBe(201);
    await expectPlanLimit(await invite(owner), "Your plan allows 3 members. Upgrade to add more.");
    expect((await invite(owner, first)).status).toBe(201); // replaces the pending invitation of the address
  });

  it("a full team refuses Door B and accepting, even with a valid invitation", async () => {
    const roomy = testWorker({ env: { PLAN_LIMITS: "FREE=4/1/1/10,PRO=100/50/50/100" } });
    const owner = await ownerSession(roomy);
    const emails = [uniqueEmail("b1"), uniqueEmail("b2"), uniqueEmail("b3")];
    for (const email of emails) expect((await invite(owner, email)).status).toBe(201);
    // The limits shrink (or the team was downgraded): two more people may join, not three.
    const app = testWorker({ env: { PLAN_LIMITS: "FREE=3/1/1/10,PRO=100/50/50/100" } });
    const register = async (email: string) => {
      const [mail] = await waitForMail(app, email, { template: "invitation" });
      return app.request("POST", "/api/v1/auth/register/invite", {
        body: { inviteToken: tokenFromLink(mail?.links[0] ?? ""), password: GOOD_PASSWORD },
      });
    };
    expect((await register(emails[0] as string)).status).toBe(201);
    expect((await register(emails[1] as string)).status).toBe(201);
    await expectPlanLimit(
      await register(emails[2] as string),
      "Your plan allows 3 members. Upgrade to add more.",
    );
    const members = await env.DB.prepare("SELECT count(*) AS n FROM memberships WHERE team_id = ?")
      .bind(owner.teamId)
      .first<{ n: number }>();
    expect(members?.n).toBe(3);
  });

  it("API keys count live keys; custom roles count non-built-in roles; PRO lifts both", async () => {
    const app = testWorker({ env: SMALL });
    const owner = await ownerSession(app);
    const keys = `/api/v1/teams/${owner.teamId}/api-keys`;
    const roles = `/api/v1/teams/${owner.teamId}/roles`;
    const first = await owner.call("POST", keys, { name: "one", permissions: ["team:read"] });
    expect(first.status).toBe(201);
    await expectPlanLimit(
      await owner.call("POST", keys, { name: "two", permissions: ["team:read"] }),
      "Your plan allows 1 API key. Upgrade to add more.",
    );
    // A revoked key no longer counts.
    const { id } = (await first.json()) as { id: string };
    expect((await owner.call("DELETE", `${keys}/${id}`)).status).toBe(204);
    expect((await owner.call("POST", keys, { name: "two", permissions: ["team:read"] })).status).toBe(201);

    expect((await owner.call("POST", roles, { name: "Billing", permissions: ["billing:read"] })).status).toBe(
      201,
    );
    await expectPlanLimit(
      await owner.call("POST", roles, { name: "Support", permissions: ["team:read"] }),
      "Your plan allows 1 custom role. Upgrade to add more.",
    );

    await virtuozzoAccount(owner, "billing");
    expect((await owner.call("POST", `/api/v1/teams/${owner.teamId}/plan`, { plan: "PRO" })).status).toBe(
      200,
    );
    expect((await owner.call("POST", roles, { name: "Support", permissions: ["team:read"] })).status).toBe(
      201,
    );
    expect((await owner.call("POST", keys, { name: "three", permissions: ["team:read"] })).status).toBe(201);
    // Back on FREE over its limits: nothing is deleted, the next create is refused.
    expect((await owner.call("POST", `/api/v1/teams/${owner.teamId}/plan`, { plan: "FREE" })).status).toBe(
      200,
    );
    const listed = (await (await owner.call("GET", keys)).json()) as { items: unknown[] };
    expect(listed.items).toHaveLength(2);
    expect((await owner.call("POST", keys, { name: "four", permissions: ["team:read"] })).status).toBe(402);
  });

  it("creates racing each other never land over the limit: the batch re-checks the count", async () => {
    // Roomy budgets: this test is about the plan limit alone.
    const roomy = ["api_keys", "invitations", "mails"].flatMap((b) => [
      `FREE.${b}=1000/h`,
      `FREE.${b}=1000/d`,
    ]);
    const app = testWorker({
      env: { PLAN_LIMITS: "FREE=3/2/2/10,PRO=100/50/50/100", TEAM_BUDGETS: roomy.join(",") },
    });
    const owner = await ownerSession(app);
    const parallel = (n: number, send: (i: number) => Promise<Response>) =>
      Promise.all(Array.from({ length: n }, (_, i) => send(i).then((r) => r.status)));
    const count = (sql: string) => env.DB.prepare(sql).bind(owner.teamId).first<number>("n");

    const keys = await parallel(6, (i) =>
      owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
        name: `k${i}`,
        permissions: ["team:read"],
      }),
    );
    expect(keys.filter((s) => s === 201)).toHaveLength(2);
    expect(keys.filter((s) => s === 402)).toHaveLength(4);
    expect(await count("SELECT count(*) AS n FROM api_keys WHERE team_id = ? AND revoked_at IS NULL")).toBe(
      2,
    );

    const roles = await parallel(6, (i) =>
      owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
        name: `Role ${i}`,
        permissions: ["team:read"],
      }),
    );
    expect(roles.filter((s) => s === 201)).toHaveLength(2);
    expect(await count("SELECT count(*) AS n FROM roles WHERE team_id = ? AND built_in IS NULL")).toBe(2);

    // The owner is one member: two more seats, for members and pending invitations together.
    const invites = await parallel(5, () => invite(owner));
    expect(invites.filter((s) => s === 201)).toHaveLength(2);
    expect(invites.filter((s) => s === 402)).toHaveLength(3);
    expect(
      await count(
        "SELECT count(*) AS n FROM invitations WHERE team_id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
      ),
    ).toBe(2);
  });
});
