import { describe, expect, it } from "vitest";
import {
  GOOD_PASSWORD,
  signIn,
  testClock,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { as, ownerSession, roleId } from "../../support/teams";

const DAY = 24 * 3600 * 1000;

async function invite(owner: Awaited<ReturnType<typeof ownerSession>>, email: string, role = "Developer") {
  const res = await owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
    email,
    roleId: await roleId(owner.teamId, role),
  });
  return res;
}

async function inviteLink(app: ReturnType<typeof testWorker>, email: string, count = 1) {
  const mails = await waitForMail(app, email, { template: "invitation", count });
  return mails[0]?.links[0] ?? "";
}

describe("invitations and Door B", () => {
  it("mails a single-use link; Door B creates a verified member; the link works once", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const email = uniqueEmail("invitee");
    const res = await invite(owner, email);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ email, role: { name: "Developer" } });
    const link = await inviteLink(app, email);
    expect(link).toMatch(/^http.*\/invite\?token=/);
    const list = (await (await owner.call("GET", `/api/v1/teams/${owner.teamId}/invitations`)).json()) as {
      items: { email: string }[];
    };
    expect(list.items.map((i) => i.email)).toEqual([email]);

    const body = { inviteToken: tokenFromLink(link), password: GOOD_PASSWORD, name: "Ivy" };
    const weak = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { ...body, password: "short" },
    });
    expect(weak.status).toBe(422);
    const first = await app.request("POST", "/api/v1/auth/register/invite", { body });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ teamId: owner.teamId, userId: expect.any(String) });
    const again = await app.request("POST", "/api/v1/auth/register/invite", { body });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: "invalid_token" });

    const session = await signIn(app, email, GOOD_PASSWORD, owner.teamId);
    const me = await as(app, session.accessToken)("GET", "/api/v1/auth/me");
    expect(await me.json()).toMatchObject({
      user: { emailVerified: true, name: "Ivy" },
      role: { name: "Developer" },
    });
    const pending = (await (await owner.call("GET", `/api/v1/teams/${owner.teamId}/invitations`)).json()) as {
      items: unknown[];
    };
    expect(pending.items).toEqual([]);
  });

  it("expires after 7 days; revoked and replaced links stop working", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const owner = await ownerSession(app);
    const late = uniqueEmail("late");
    await invite(owner, late);
    const lateLink = await inviteLink(app, late);

    const revoked = uniqueEmail("revoked");
    const created = (await (await invite(owner, revoked)).json()) as { id: string };
    const revokedLink = await inviteLink(app, revoked);
    expect(
      (await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/invitations/${created.id}`)).status,
    ).toBe(204);
    expect(
      (await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/invitations/${created.id}`)).status,
    ).toBe(404);
    const r1 = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: tokenFromLink(revokedLink), password: GOOD_PASSWORD },
    });
    expect(r1.status).toBe(400);

    const twice = uniqueEmail("twice");
    await invite(owner, twice, "Developer");
    const oldLink = await inviteLink(app, twice);
    await invite(owner, twice, "Manager");
    const mails = await waitForMail(app, twice, { template: "invitation", count: 2 });
    const newLink = mails.map((m) => m.links[0] ?? "").find((l) => l !== oldLink) ?? "";
    const old = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: tokenFromLink(oldLink), password: GOOD_PASSWORD },
    });
    expect(old.status).toBe(400);
    const replaced = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: tokenFromLink(newLink), password: GOOD_PASSWORD },
    });
    expect(replaced.status).toBe(201);
    const session = await signIn(app, twice, GOOD_PASSWORD, owner.teamId);
    expect(await (await as(app, session.accessToken)("GET", "/api/v1/auth/me")).json()).toMatchObject({
      role: { name: "Manager" },
    });

    clock.advance(7 * DAY + 1000);
    const expired = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: tokenFromLink(lateLink), password: GOOD_PASSWORD },
    });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ code: "invalid_token" });
  });

  it("an existing user accepts while signed in (email must match); Door B for them is 409 email_taken", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const other = await verifiedOwner(app);
    await invite(owner, other.email, "Manager");
    const link = await inviteLink(app, other.email);
    const door = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: tokenFromLink(link), password: GOOD_PASSWORD },
    });
    expect(door.status).toBe(409);
    expect(await door.json()).toMatchObject({ code: "email_taken" });

    // someone else signed in cannot use it
    const stranger = await verifiedOwner(app);
    const strangerSession = await signIn(app, stranger.email, stranger.password, stranger.teamId);
    const wrong = await as(app, strangerSession.accessToken)("POST", "/api/v1/invitations/accept", {
      token: tokenFromLink(link),
    });
    expect(wrong.status).toBe(403);

    const session = await signIn(app, other.email, other.password, other.teamId);
    const accepted = await as(app, session.accessToken)("POST", "/api/v1/invitations/accept", {
      token: tokenFromLink(link),
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ team: { id: owner.teamId }, role: { name: "Manager" } });
    const again = await as(app, session.accessToken)("POST", "/api/v1/invitations/accept", {
      token: tokenFromLink(link),
    });
    expect(again.status).toBe(400);
    const teams = (await (await as(app, session.accessToken)("GET", "/api/v1/teams")).json()) as {
      items: unknown[];
    };
    expect(teams.items).toHaveLength(2);
    // a member of two teams switches between them
    const switched = await as(app, session.accessToken)("POST", "/api/v1/auth/session-exchange", {
      teamId: owner.teamId,
    });
    expect(switched.status).toBe(200);
    const other2 = (await switched.json()) as { accessToken: string; role: { name: string } };
    expect(other2.role.name).toBe("Manager");
    expect((await as(app, other2.accessToken)("GET", `/api/v1/teams/${owner.teamId}/members`)).status).toBe(
      200,
    );
    expect((await as(app, other2.accessToken)("GET", `/api/v1/teams/${other.teamId}`)).status).toBe(403);
    // inviting a member again is a conflict
    expect((await invite(owner, other.email)).status).toBe(409);
  });

  it("limits invitations to 50 an hour per inviter (429 with Retry-After)", async () => {
    // A plan large enough for 50 pending invitations (FREE allows 5 members: docs/plans.md).
    const app = testWorker({ env: { PLAN_LIMITS: "FREE=100/3/3/10,PRO=100/50/50/100" } });
    const owner = await ownerSession(app);
    const developer = await roleId(owner.teamId, "Developer");
    const path = `/api/v1/teams/${owner.teamId}/invitations`;
    for (let i = 0; i < 50; i++) {
      const res = await owner.call("POST", path, { email: uniqueEmail(`bulk${i}`), roleId: developer });
      expect(res.status).toBe(201);
    }
    const limited = await owner.call("POST", path, { email: uniqueEmail("one-too-many"), roleId: developer });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("cannot invite to the Owner role; bad input is 422", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const res = await invite(owner, uniqueEmail("o"), "Owner");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "owner_transfer_required" });
    const path = `/api/v1/teams/${owner.teamId}/invitations`;
    expect((await owner.call("POST", path, { email: "not-an-email", roleId: "x" })).status).toBe(422);
    expect((await owner.call("POST", path, { email: uniqueEmail("u"), roleId: "unknown" })).status).toBe(422);
    expect(
      (await app.request("POST", "/api/v1/auth/register/invite", { body: { inviteToken: "x" } })).status,
    ).toBe(422);
    const garbage = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: "not a token", password: GOOD_PASSWORD },
    });
    expect(garbage.status).toBe(400);
  });
});
