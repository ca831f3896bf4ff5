import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  signIn,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  waitForMail,
} from "../../support/helpers";
import { ownerSession, roleId } from "../../support/teams";

type App = ReturnType<typeof testWorker>;

const ATTACKER_PASSWORD = "squatter-lantern-orbit-91";

async function register(
  app: App,
  email: string,
  extra: { password: string; teamName: string; name?: string },
) {
  const res = await app.request("POST", "/api/v1/auth/register", {
    body: { email, turnstileToken: DUMMY_TURNSTILE, ...extra },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { userId: string; teamId: string };
}

/** The verification links mailed to the address, newest first. */
async function verifyTokens(app: App, email: string, count: number): Promise<string[]> {
  const mails = await waitForMail(app, email, { template: "verify_email", count });
  return mails.map((m) => tokenFromLink(m.links[0] ?? ""));
}

function verify(app: App, token: string) {
  return app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
}

function login(app: App, email: string, password: string) {
  return app.request("POST", "/api/v1/auth/login", { body: { email, password } });
}

async function row<T>(sql: string, ...params: unknown[]): Promise<T | null> {
  return env.DB.prepare(sql)
    .bind(...params)
    .first<T>();
}

describe("account pre-hijacking (Door A over a pending registration)", () => {
  it("the victim's registration replaces the squatter's password, name and team; only the victim signs in", async () => {
    const app = testWorker();
    const email = uniqueEmail("victim");
    const squat = await register(app, email, {
      password: ATTACKER_PASSWORD,
      teamName: "Squat",
      name: "Mallory",
    });
    const victim = await register(app, email, {
      password: GOOD_PASSWORD,
      teamName: "Victim Co",
      name: "Vic",
    });

    const [latest] = await verifyTokens(app, email, 2);
    const ok = await verify(app, latest ?? "");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ verified: true });

    const attacker = await login(app, email, ATTACKER_PASSWORD);
    expect(attacker.status).toBe(401);
    expect(await attacker.json()).toMatchObject({ code: "invalid_credentials" });
    const session = await signIn(app, email, GOOD_PASSWORD, victim.teamId);
    expect(session.accessToken).toBeTruthy();

    const user = await row<{ name: string; email_verified_at: number | null }>(
      "SELECT name, email_verified_at FROM users WHERE email = ?",
      email,
    );
    expect(user).toMatchObject({ name: "Vic", email_verified_at: expect.any(Number) });
    const team = await row<{ name: string }>("SELECT name FROM teams WHERE id = ?", victim.teamId);
    expect(team?.name).toBe("Victim Co");
    // nothing of the squatter's registration is left: not its user, not its team
    expect(await row("SELECT id FROM teams WHERE id = ? AND name = 'Squat'", squat.teamId)).toBeNull();
    expect(
      await row(
        "SELECT id FROM audit_logs WHERE action = 'user.registration_replaced' AND target_id = ?",
        squat.userId,
      ),
    ).not.toBeNull();
  });

  it("a newer registration kills every earlier verification link (400 invalid_token)", async () => {
    const app = testWorker();
    const email = uniqueEmail("earlier");
    await register(app, email, { password: ATTACKER_PASSWORD, teamName: "Squat" });
    const [squatterLink] = await verifyTokens(app, email, 1);
    await register(app, email, { password: GOOD_PASSWORD, teamName: "Victim Co" });
    const [victimLink] = await verifyTokens(app, email, 2);
    expect(victimLink).not.toBe(squatterLink);

    const dead = await verify(app, squatterLink ?? "");
    expect(dead.status).toBe(400);
    expect(await dead.json()).toMatchObject({ code: "invalid_token" });
    const pending = await row<{ email_verified_at: number | null }>(
      "SELECT email_verified_at FROM users WHERE email = ?",
      email,
    );
    expect(pending?.email_verified_at).toBeNull();

    expect((await verify(app, victimLink ?? "")).status).toBe(200);
    expect((await login(app, email, ATTACKER_PASSWORD)).status).toBe(401);
  });

  it("the first verification ends every other pending link of the address", async () => {
    const app = testWorker();
    const email = uniqueEmail("first");
    await register(app, email, { password: GOOD_PASSWORD, teamName: "Mine" });
    await app.request("POST", "/api/v1/auth/resend-verification", { body: { email } });
    const [second, first] = await verifyTokens(app, email, 2);
    expect((await verify(app, first ?? "")).status).toBe(200);
    const later = await verify(app, second ?? "");
    expect(later.status).toBe(400);
    expect(await later.json()).toMatchObject({ code: "invalid_token" });
  });

  it("a verified address stays 409 email_taken", async () => {
    const app = testWorker();
    const email = uniqueEmail("taken");
    await register(app, email, { password: GOOD_PASSWORD, teamName: "Mine" });
    const [token] = await verifyTokens(app, email, 1);
    expect((await verify(app, token ?? "")).status).toBe(200);
    const again = await app.request("POST", "/api/v1/auth/register", {
      body: { email, password: ATTACKER_PASSWORD, teamName: "Squat", turnstileToken: DUMMY_TURNSTILE },
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "email_taken" });
    expect((await login(app, email, ATTACKER_PASSWORD)).status).toBe(401);
  });

  it("the verification mail says plainly that it is safe to ignore", async () => {
    const app = testWorker();
    const email = uniqueEmail("ignore");
    await register(app, email, { password: GOOD_PASSWORD, teamName: "Mine" });
    const [mail] = await waitForMail(app, email, { template: "verify_email" });
    expect(mail?.text).toContain("If you did not sign up, you can safely ignore this email");
  });
});

describe("account pre-hijacking (Door B over a pending registration)", () => {
  it("an invitation over a squatter's pending registration: 201, the squatter's password and team are gone", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const email = uniqueEmail("invitee");
    const squat = await register(app, email, { password: ATTACKER_PASSWORD, teamName: "Squat" });
    const [squatterLink] = await verifyTokens(app, email, 1);

    const invite = await owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email,
      roleId: await roleId(owner.teamId, "Manager"),
    });
    expect(invite.status).toBe(201);
    const [mail] = await waitForMail(app, email, { template: "invitation" });
    const res = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: tokenFromLink(mail?.links[0] ?? ""), password: GOOD_PASSWORD, name: "Ivy" },
    });
    expect(res.status).toBe(201);
    const joined = (await res.json()) as { userId: string; teamId: string };
    expect(joined).toEqual({ userId: expect.any(String), teamId: owner.teamId });

    expect((await login(app, email, ATTACKER_PASSWORD)).status).toBe(401);
    const session = await signIn(app, email, GOOD_PASSWORD, owner.teamId);
    expect(session.accessToken).toBeTruthy();
    const member = await row<{ name: string }>(
      "SELECT r.name FROM memberships m JOIN roles r ON r.id = m.role_id WHERE m.user_id = ? AND m.team_id = ?",
      joined.userId,
      owner.teamId,
    );
    expect(member?.name).toBe("Manager");

    expect(await row("SELECT id FROM teams WHERE id = ?", squat.teamId)).toBeNull();
    expect(await row("SELECT team_id FROM roles WHERE team_id = ?", squat.teamId)).toBeNull();
    expect(await row("SELECT team_id FROM memberships WHERE team_id = ?", squat.teamId)).toBeNull();
    const dead = await verify(app, squatterLink ?? "");
    expect(dead.status).toBe(400);
    expect(
      await row(
        "SELECT id FROM audit_logs WHERE action = 'user.registration_replaced' AND target_id = ?",
        squat.userId,
      ),
    ).not.toBeNull();
  });
});
