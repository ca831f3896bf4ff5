import { describe, expect, it } from "vitest";
import { signIn, testWorker } from "../../support/helpers";
import { as, memberSession, ownerSession, roleId } from "../../support/teams";

/*
 * Issue 14, item 7: removing a member, changing their role or withdrawing a permission ends every access token
 * of that member for that team at once, whichever team their session is in now; switching teams ends the token
 * being replaced.
 */

type App = ReturnType<typeof testWorker>;

function claims(token: string): { team: string | null; role: string | null; permissions: string[] } {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
}

async function switchTo(app: App, token: string, teamId: string) {
  return app.request("POST", "/api/v1/auth/session-exchange", {
    headers: { authorization: `Bearer ${token}` },
    body: { teamId },
  });
}

/** Owner of team B, and a member of B who also owns a team A of their own (two teams to switch between). */
async function twoTeams(app: App) {
  const owner = await ownerSession(app);
  const member = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
  const created = await member.call("POST", "/api/v1/teams", { name: "Own team" });
  expect(created.status).toBe(201);
  const teamA = ((await created.json()) as { id: string }).id;
  return { owner, member, teamA, teamB: owner.teamId };
}

describe("stale team tokens", () => {
  it("switching teams ends the token being replaced; the new one works", async () => {
    const app = testWorker();
    const { member, teamA, teamB } = await twoTeams(app);
    const tokenB = member.accessToken;
    expect((await as(app, tokenB)("GET", `/api/v1/teams/${teamB}`)).status).toBe(200);

    const toA = await switchTo(app, tokenB, teamA);
    expect(toA.status).toBe(200);
    const tokenA = ((await toA.json()) as { accessToken: string }).accessToken;
    expect((await as(app, tokenA)("GET", `/api/v1/teams/${teamA}`)).status).toBe(200);
    // the replaced token is dead at once, for its team and everywhere else
    expect((await as(app, tokenB)("GET", `/api/v1/teams/${teamB}`)).status).toBe(401);
    expect((await as(app, tokenB)("GET", "/api/v1/auth/me")).status).toBe(401);

    // and back: the A token dies, a fresh B token works
    const toB = await switchTo(app, tokenA, teamB);
    const tokenB2 = ((await toB.json()) as { accessToken: string }).accessToken;
    expect((await as(app, tokenA)("GET", `/api/v1/teams/${teamA}`)).status).toBe(401);
    expect((await as(app, tokenB2)("GET", `/api/v1/teams/${teamB}`)).status).toBe(200);
  });

  it("removing a member ends their tokens for that team and leaves their other team alone", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { owner, member, teamA, teamB } = await twoTeams(app);
    // the member works in B in one session and in A in another
    const other = await signIn(app, member.email, "violet-anchor-meadow-42", teamA);
    const tokenB = member.accessToken;
    expect((await as(app, tokenB)("GET", `/api/v1/teams/${teamB}/members`)).status).toBe(200);

    const removed = await owner.call("DELETE", `/api/v1/teams/${teamB}/members/${member.userId}`);
    expect(removed.status).toBe(204);
    expect((await as(app, tokenB)("GET", `/api/v1/teams/${teamB}/members`)).status).toBe(401);
    // the member's session in team A is untouched
    expect((await as(app, other.accessToken)("GET", `/api/v1/teams/${teamA}`)).status).toBe(200);
    // a switch to B is refused now
    expect((await switchTo(app, other.accessToken, teamB)).status).toBe(403);
  });

  it("changing a member's role ends their tokens for the team at once; a refresh carries the new role", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const member = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    expect((await member.call("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(200);
    const changed = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${member.userId}`, {
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(changed.status).toBe(200);
    expect((await member.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(401);

    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: member.refreshToken, deviceId: member.deviceId },
    });
    expect(refreshed.status).toBe(200);
    const fresh = ((await refreshed.json()) as { accessToken: string }).accessToken;
    expect(claims(fresh).role).toBe("Developer");
    expect((await as(app, fresh)("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);
  });

  it("withdrawing a permission from a role ends the tokens of its members; other members are untouched", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "Auditor",
      permissions: ["team:read", "members:read"],
    });
    expect(created.status).toBe(201);
    const auditor = await memberSession(app, owner.accessToken, owner.teamId, "Auditor");
    const developer = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    expect((await auditor.call("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(200);

    const role = ((await created.json()) as { id: string }).id;
    // widening takes nothing away: the token lives on
    expect(
      (
        await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/roles/${role}`, {
          permissions: ["team:read", "members:read", "roles:read"],
        })
      ).status,
    ).toBe(200);
    expect((await auditor.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);

    const narrowed = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/roles/${role}`, {
      permissions: ["team:read"],
    });
    expect(narrowed.status).toBe(200);
    expect((await auditor.call("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(401);
    expect((await developer.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);
    expect((await owner.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);

    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: auditor.refreshToken, deviceId: auditor.deviceId },
    });
    const fresh = ((await refreshed.json()) as { accessToken: string }).accessToken;
    expect(claims(fresh).permissions).toEqual(["team:read"]);
    expect((await as(app, fresh)("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(403);
  });

  it("RACE: switches into a team racing the member's removal leave no token that still reads the team", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { owner, member, teamA, teamB } = await twoTeams(app);
    // five sessions of the member, all in team A, each trying to switch to B while B's owner removes them
    const sessions = await Promise.all(
      [1, 2, 3, 4, 5].map(() => signIn(app, member.email, "violet-anchor-meadow-42", teamA)),
    );
    const [removal, ...switches] = await Promise.all([
      owner.call("DELETE", `/api/v1/teams/${teamB}/members/${member.userId}`),
      ...sessions.map((s) => switchTo(app, s.accessToken, teamB)),
    ]);
    expect(removal?.status).toBe(204);
    const tokens: string[] = [member.accessToken];
    for (const res of switches) {
      expect([200, 403]).toContain(res.status);
      if (res.status === 200) tokens.push(((await res.json()) as { accessToken: string }).accessToken);
    }
    for (const token of tokens) {
      expect(claims(token).team).toBe(teamB);
      expect((await as(app, token)("GET", `/api/v1/teams/${teamB}`)).status).toBe(401);
    }
  });

  it("RACE: refreshes racing a role change leave no token with the old role alive", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await ownerSession(app);
    const member = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const sessions = [
      member,
      ...(await Promise.all(
        [1, 2, 3, 4].map(() => signIn(app, member.email, "violet-anchor-meadow-42", owner.teamId)),
      )),
    ];
    const developer = await roleId(owner.teamId, "Developer");
    const [change, ...refreshes] = await Promise.all([
      owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${member.userId}`, { roleId: developer }),
      ...sessions.map((s) =>
        app.request("POST", "/api/v1/auth/refresh", {
          body: { refreshToken: s.refreshToken, deviceId: s.deviceId },
        }),
      ),
    ]);
    expect(change?.status).toBe(200);
    const tokens = sessions.map((s) => s.accessToken);
    for (const res of refreshes) {
      expect(res.status).toBe(200);
      tokens.push(((await res.json()) as { accessToken: string }).accessToken);
    }
    let oldAlive = 0;
    let newAlive = 0;
    for (const token of tokens) {
      const status = (await as(app, token)("GET", `/api/v1/teams/${owner.teamId}`)).status;
      if (claims(token).role === "Manager" && status === 200) oldAlive += 1;
      if (claims(token).role === "Developer" && status === 200) newAlive += 1;
    }
    expect(oldAlive).toBe(0);
    expect(newAlive).toBe(tokens.filter((t) => claims(t).role === "Developer").length);
  });
});
