import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { platformSession } from "../../support/admin";
import { signIn, testClock, testWorker, uniqueEmail, waitForMail } from "../../support/helpers";
import { memberSession, ownerSession, roleId } from "../../support/teams";

const HOUR = 3_600_000;
/** Five minutes into the next whole UTC hour: the hourly window then resets in exactly 55 minutes. */
function clockAtHourPlusFive() {
  return testClock(Math.floor(Date.now() / HOUR) * HOUR + HOUR + 5 * 60_000);
}

type App = ReturnType<typeof testWorker>;

function app(budgets: string): App {
  // Several sessions per user: the tests sign the same user in again and again.
  return testWorker({
    clock: clockAtHourPlusFive(),
    env: { TEAM_BUDGETS: budgets, SINGLE_SESSION: "false" },
  });
}

/** Password step + session-exchange, answering the exchange's response (signIn throws on anything but 200). */
async function exchange(a: App, email: string, password: string, teamId: string | null) {
  const login = await a.request("POST", "/api/v1/auth/login", { body: { email, password } });
  const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  expect(step.step).toBe("select_team");
  return a.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId, deviceId: step.deviceId },
  });
}

async function expectBudgetRefusal(res: Response, budget: string, noun: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe(String(55 * 60));
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    code: "team_budget_exceeded",
    budget,
    detail: `This team has reached its limit for ${noun}. Try again later.`,
  });
}

async function budgetMails(a: App, to: string) {
  const res = await a.request("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { template: string; subject: string; text: string }[]).filter(
    (m) => m.template === "team_budget_exceeded",
  );
}

async function upgradeToPro(teamId: string) {
  // What POST /teams/:teamId/plan writes once a billing Virtuozzo account is connected (tests/plans cover that).
  await env.DB.prepare(
    "INSERT INTO team_billing (team_id, plan, hard_stop, warn_at_percent, updated_at) VALUES (?, 'PRO', 0, 80, 0) ON CONFLICT (team_id) DO UPDATE SET plan = 'PRO'",
  )
    .bind(teamId)
    .run();
}

describe("per-team abuse budgets", () => {
  it("logins: the team's budget refuses the next login into it, mails the Owner, and leaves other teams alone", async () => {
    const a = app("FREE.logins=2/h");
    const owner = await ownerSession(a); // login 1
    await signIn(a, owner.email, owner.password, owner.teamId); // login 2
    await expectBudgetRefusal(
      await exchange(a, owner.email, owner.password, owner.teamId),
      "logins",
      "logins",
    );
    // Outside the team, the same user still signs in: the budget is the team's, not the user's.
    expect((await exchange(a, owner.email, owner.password, null)).status).toBe(200);
    const [mail] = await waitForMail(a, owner.email, { template: "team_budget_exceeded" });
    expect(mail?.subject).toBe("“Login Team” reached its limit for logins");
    expect(mail?.text).toContain("limit of 2 logins per hour");

    // The noisy tenant has not spent anyone else's budget.
    const other = await ownerSession(a);
    expect((await exchange(a, other.email, other.password, other.teamId)).status).toBe(200);

    // A team switch into the spent team is a login too; a non-member learns nothing (403, not 429).
    const switched = await other.call("POST", "/api/v1/auth/session-exchange", { teamId: owner.teamId });
    expect(switched.status).toBe(403);

    const audit = await env.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE action = 'team.budget_exceeded' AND team_id = ?",
    )
      .bind(owner.teamId)
      .all<{ metadata: string }>();
    expect(audit.results.map((r) => JSON.parse(r.metadata))).toEqual([
      expect.objectContaining({ budget: "logins", window: "hour", limit: 2, used: 2, ownerMailed: true }),
    ]);
  });

  it("a team switch into a team spends its logins budget", async () => {
    const a = app("FREE.logins=2/h");
    const owner = await ownerSession(a); // login 1 (into the team)
    const outside = await signIn(a, owner.email, owner.password, null);
    const switchIn = () =>
      a.request("POST", "/api/v1/auth/session-exchange", {
        headers: { authorization: `Bearer ${outside.accessToken}` },
        body: { teamId: owner.teamId },
      });
    const first = await switchIn(); // login 2
    expect(first.status).toBe(200);
    const again = await a.request("POST", "/api/v1/auth/session-exchange", {
      headers: { authorization: `Bearer ${((await first.json()) as { accessToken: string }).accessToken}` },
      body: { teamId: null },
    });
    expect(again.status).toBe(200);
    await expectBudgetRefusal(
      await a.request("POST", "/api/v1/auth/session-exchange", {
        headers: { authorization: `Bearer ${((await again.json()) as { accessToken: string }).accessToken}` },
        body: { teamId: owner.teamId },
      }),
      "logins",
      "logins",
    );
  });

  it("invitations: 20 parallel invites over the budget → the budget's count succeed, the rest 429, one mail", async () => {
    const a = app("PRO.invitations=3/h");
    const owner = await ownerSession(a);
    await upgradeToPro(owner.teamId); // PRO: 100 members, so the plan's member limit stays out of the way
    const developer = await roleId(owner.teamId, "Developer");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
          email: uniqueEmail("invitee"),
          roleId: developer,
        }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    await expectBudgetRefusal(
      answers.find((r) => r.status === 429) as Response,
      "invitations",
      "invitations",
    );
    await waitForMail(a, owner.email, { template: "team_budget_exceeded" });
    // Give any second mail the time to arrive: there must be none.
    await new Promise((r) => setTimeout(r, 500));
    expect(await budgetMails(a, owner.email)).toHaveLength(1);
  });

  it("mails: a spent mail budget refuses the invitation (which would mail) and names `mails`", async () => {
    const a = app("FREE.mails=1/h");
    const owner = await ownerSession(a);
    const developer = await roleId(owner.teamId, "Developer");
    const invite = () =>
      owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
        email: uniqueEmail("invitee"),
        roleId: developer,
      });
    expect((await invite()).status).toBe(201);
    await expectBudgetRefusal(await invite(), "mails", "emails");
    // Nothing of the refused invitation was written.
    const pending = await owner.call("GET", `/api/v1/teams/${owner.teamId}/invitations`);
    expect(((await pending.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it("mails: an ownership-transfer proposal mails on the team's behalf and spends the same budget", async () => {
    const a = app("FREE.mails=2/h");
    const owner = await ownerSession(a);
    const member = await memberSession(a, owner.accessToken, owner.teamId, "Manager"); // the invitation: mail 1
    const propose = () =>
      owner.call("POST", `/api/v1/teams/${owner.teamId}/ownership-transfer`, { toUserId: member.userId });
    expect((await propose()).status).toBe(201); // mail 2
    await expectBudgetRefusal(await propose(), "mails", "emails");
  });

  it("api_keys: creations and rotations share the budget; an upgrade to PRO raises the limit", async () => {
    const a = app("FREE.api_keys=2/h,PRO.api_keys=4/h");
    const owner = await ownerSession(a);
    const keys = `/api/v1/teams/${owner.teamId}/api-keys`;
    const create = (name: string) => owner.call("POST", keys, { name, permissions: ["members:read"] });
    const first = await create("one");
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    expect((await owner.call("POST", `${keys}/${id}/rotate`)).status).toBe(201);
    await expectBudgetRefusal(await create("two"), "api_keys", "API keys");

    await upgradeToPro(owner.teamId);
    expect((await create("two")).status).toBe(201);
    expect((await create("three")).status).toBe(201);
    await expectBudgetRefusal(await create("four"), "api_keys", "API keys");
  });

  it("platform admins see each budget's used, limit, window and reset; others may not", async () => {
    const a = app("FREE.logins=5/h,FREE.logins=50/d");
    const owner = await ownerSession(a);
    await signIn(a, owner.email, owner.password, owner.teamId);
    const support = await platformSession(a, ["support"]);
    const res = await support.call("GET", `/api/v1/admin/teams/${owner.teamId}/budgets`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      plan: string;
      budgets: { budget: string; window: string; used: number; limit: number; resetsAt: string }[];
    };
    expect(body.plan).toBe("FREE");
    const hour = Math.floor(a.clock.now() / HOUR) * HOUR;
    expect(body.budgets).toContainEqual({
      budget: "logins",
      window: "hour",
      used: 2,
      limit: 5,
      resetsAt: new Date(hour + HOUR).toISOString(),
    });
    expect(body.budgets).toContainEqual(
      expect.objectContaining({ budget: "logins", window: "day", used: 2, limit: 50 }),
    );
    expect(body.budgets).toContainEqual(
      expect.objectContaining({ budget: "mails", window: "hour", used: 0, limit: 100 }),
    );
    expect(body.budgets).toHaveLength(8);

    expect((await owner.call("GET", `/api/v1/admin/teams/${owner.teamId}/budgets`)).status).toBe(403);
    expect((await support.call("GET", "/api/v1/admin/teams/no-such-team/budgets")).status).toBe(404);
  });
});
