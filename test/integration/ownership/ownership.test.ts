import { describe, expect, it } from "vitest";
import {
  GOOD_PASSWORD,
  signIn,
  testClock,
  testWorker,
  tokenFromLink,
  waitForMail,
} from "../../support/helpers";
import { memberSession, ownerSession, roleId } from "../../support/teams";

const DAY = 24 * 3600 * 1000;
type App = ReturnType<typeof testWorker>;

async function setup(app: App) {
  const owner = await ownerSession(app);
  const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
  return { owner, manager };
}

async function transferToken(app: App, email: string, count = 1) {
  const mails = await waitForMail(app, email, { template: "ownership_transfer", count });
  return tokenFromLink(mails[0]?.links[0] ?? "");
}

async function roleOf(app: App, teamId: string, userId: string): Promise<string | undefined> {
  const row = await app.bindings.DB.prepare(
    "SELECT r.name AS name FROM memberships m JOIN roles r ON r.id = m.role_id WHERE m.team_id = ? AND m.user_id = ?",
  )
    .bind(teamId, userId)
    .first<{ name: string }>();
  return row?.name;
}

describe("ownership transfer", () => {
  it("only the Owner proposes, to a member; the addressee accepts and the roles swap; both are told", async () => {
    const app = testWorker();
    const { owner, manager } = await setup(app);
    const path = `/api/v1/teams/${owner.teamId}/ownership-transfer`;
    expect((await manager.call("POST", path, { toUserId: owner.userId })).status).toBe(403);
    expect((await owner.call("POST", path, { toUserId: owner.userId })).status).toBe(422);
    expect((await owner.call("POST", path, { toUserId: "not-a-member" })).status).toBe(422);
    const proposed = await owner.call("POST", path, { toUserId: manager.userId });
    expect(proposed.status).toBe(201);
    expect(await proposed.json()).toMatchObject({ status: "pending", toUserId: manager.userId });
    const token = await transferToken(app, manager.email);

    // the owner cannot accept on the addressee's behalf
    expect((await owner.call("POST", "/api/v1/ownership-transfers/accept", { token })).status).toBe(403);
    const accepted = await manager.call("POST", "/api/v1/ownership-transfers/accept", { token });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ team: { id: owner.teamId }, role: { name: "Owner" } });
    expect(await roleOf(app, owner.teamId, manager.userId)).toBe("Owner");
    expect(await roleOf(app, owner.teamId, owner.userId)).toBe("Manager");
    const owners = await app.bindings.DB.prepare(
      "SELECT count(*) AS n FROM memberships m JOIN roles r ON r.id = m.role_id WHERE m.team_id = ? AND r.built_in = 'owner'",
    )
      .bind(owner.teamId)
      .first<{ n: number }>();
    expect(owners?.n).toBe(1);
    // both roles changed: both members' tokens for the team died at once (issue 14, item 7)
    expect((await manager.call("POST", "/api/v1/ownership-transfers/accept", { token })).status).toBe(401);
    expect((await owner.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(401);
    await waitForMail(app, owner.email, { template: "security_alert" });
    await waitForMail(app, manager.email, { template: "security_alert" });
    const audit = await app.bindings.DB.prepare(
      "SELECT metadata FROM audit_logs WHERE action = 'ownership.transferred' AND team_id = ?",
    )
      .bind(owner.teamId)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit?.metadata ?? "{}")).toMatchObject({
      before: { owner: owner.userId },
      after: { owner: manager.userId },
    });

    // the new roles are in the tokens from the next refresh
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: owner.refreshToken, deviceId: owner.deviceId },
    });
    expect(await refreshed.json()).toMatchObject({ role: { name: "Manager" } });
  });

  it("decline changes nothing; cancel and a new proposal void the link; proposals expire after 7 days", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { owner, manager } = await setup(app);
    const path = `/api/v1/teams/${owner.teamId}/ownership-transfer`;

    await owner.call("POST", path, { toUserId: manager.userId });
    const declineToken = await transferToken(app, manager.email, 1);
    const declined = await manager.call("POST", "/api/v1/ownership-transfers/decline", {
      token: declineToken,
    });
    expect(declined.status).toBe(200);
    expect(await roleOf(app, owner.teamId, owner.userId)).toBe("Owner");
    expect(
      (await manager.call("POST", "/api/v1/ownership-transfers/accept", { token: declineToken })).status,
    ).toBe(400);

    expect((await owner.call("DELETE", path)).status).toBe(404);
    await owner.call("POST", path, { toUserId: manager.userId });
    const mails = await waitForMail(app, manager.email, { template: "ownership_transfer", count: 2 });
    const cancelToken = tokenFromLink(mails[0]?.links[0] ?? "");
    expect((await owner.call("DELETE", path)).status).toBe(204);
    expect(
      (await manager.call("POST", "/api/v1/ownership-transfers/accept", { token: cancelToken })).status,
    ).toBe(400);

    await owner.call("POST", path, { toUserId: manager.userId });
    const more = await waitForMail(app, manager.email, { template: "ownership_transfer", count: 3 });
    const lateToken = tokenFromLink(more[0]?.links[0] ?? "");
    clock.advance(7 * DAY + 1000);
    // a fresh sign-in: the old session has expired with the clock
    const { accessToken } = await signIn(app, manager.email, GOOD_PASSWORD, owner.teamId);
    const expired = await app.request("POST", "/api/v1/ownership-transfers/accept", {
      headers: { authorization: `Bearer ${accessToken}` },
      body: { token: lateToken },
    });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ code: "invalid_token" });
    expect(await roleOf(app, owner.teamId, owner.userId)).toBe("Owner");
    expect(await roleId(owner.teamId, "Owner")).toEqual(expect.any(String));
  });
});
