import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { memberSession, ownerSession, roleId } from "../../support/teams";

type App = ReturnType<typeof testWorker>;

type Caller = { email: string; call: (method: string, path: string) => Promise<Response> };

/**
 * A browser signed in through the /login page as a user signed in through the API: the API session ends first
 * (one session per user: the page would otherwise ask the concurrent-session question). One team: /account.
 */
async function signedInBrowser(app: App, user: Caller) {
  expect((await user.call("POST", "/api/v1/auth/logout")).status).toBe(204);
  const email = user.email;
  const browser = pageBrowser(app);
  const res = await browser.post("/login", { email, password: GOOD_PASSWORD });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/account");
  return browser;
}

/** The browser's CSRF token, as its signed-in pages put it in their forms. */
function csrfOf(browser: ReturnType<typeof pageBrowser>): string {
  return browser.jar.get("__Host-csrf") ?? "";
}

describe("pages: /teams", () => {
  it("without a session /teams and /teams/:id send the browser to /login", async () => {
    const browser = pageBrowser(testWorker());
    for (const path of ["/teams", "/teams/some-team"]) {
      const res = await browser.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/login");
    }
  });

  it("lists my teams, creates one (PRG) and switches to it with new session cookies", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const browser = await signedInBrowser(app, owner);
    const list = await browser.get("/teams");
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("Login Team");
    expect(html).toContain(`name="csrf" value="${csrfOf(browser)}"`);

    const empty = await browser.post("/teams", { csrf: csrfOf(browser), name: "  " });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Enter a team name.");

    const created = await browser.post("/teams", { csrf: csrfOf(browser), name: "Second Team" });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe("/teams?created=1");
    const second = await env.DB.prepare("SELECT id FROM teams WHERE name = 'Second Team'").first<{
      id: string;
    }>();
    expect(second).not.toBeNull();
    const secondId = second?.id ?? "";

    // Not bound to the new team yet: its page offers the switch, and nothing of the team.
    const before = await (await browser.get(`/teams/${secondId}`)).text();
    expect(before).toContain("Switch to this team");
    expect(before).not.toContain("Change role");

    const oldAccess = browser.jar.get("__Host-access");
    const switched = await browser.post("/teams/switch", { csrf: csrfOf(browser), teamId: secondId });
    expect(switched.status).toBe(303);
    expect(switched.headers.get("location")).toBe(`/teams/${secondId}`);
    expect(switched.headers.getSetCookie().join("\n")).toMatch(/__Host-access=[^;]+;.*HttpOnly/);
    expect(browser.jar.get("__Host-access")).not.toBe(oldAccess);
    const members = await browser.get(`/teams/${secondId}`);
    expect(members.status).toBe(200);
    expect(await members.text()).toContain(owner.email);
  });

  it("a form without the session's CSRF token, or from another origin, changes nothing", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const browser = await signedInBrowser(app, owner);
    const noToken = await browser.post("/teams", { name: "Forged Team" });
    expect(noToken.status).toBe(403);
    const foreign = await browser.post(
      "/teams",
      { csrf: csrfOf(browser), name: "Forged Team" },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    const row = await env.DB.prepare("SELECT id FROM teams WHERE name = 'Forged Team'").first();
    expect(row).toBeNull();
  });
});

describe("pages: /teams/:id members", () => {
  it("the owner changes a member's role and removes them; a Developer is offered neither and is refused", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");

    const devBrowser = await signedInBrowser(app, dev);
    const devPage = await (await devBrowser.get(`/teams/${owner.teamId}`)).text();
    expect(devPage).toContain(owner.email);
    expect(devPage).not.toContain("Change role");
    expect(devPage).not.toContain(">Remove<");
    expect(devPage).not.toContain(`href="/teams/${owner.teamId}/api-keys"`);
    const refused = await devBrowser.post(`/teams/${owner.teamId}/members/${owner.userId}/remove`, {
      csrf: csrfOf(devBrowser),
    });
    expect(refused.status).toBe(403);

    const browser = await signedInBrowser(app, owner);
    const page = await (await browser.get(`/teams/${owner.teamId}`)).text();
    expect(page).toContain(dev.email);
    expect(page).toContain(`action="/teams/${owner.teamId}/members/${dev.userId}/role"`);
    expect(page).not.toContain(`action="/teams/${owner.teamId}/members/${owner.userId}/role"`);

    const manager = await roleId(owner.teamId, "Manager");
    const changed = await browser.post(`/teams/${owner.teamId}/members/${dev.userId}/role`, {
      csrf: csrfOf(browser),
      roleId: manager,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe(`/teams/${owner.teamId}?done=role`);
    const row = await env.DB.prepare("SELECT role_id FROM memberships WHERE team_id = ? AND user_id = ?")
      .bind(owner.teamId, dev.userId)
      .first<{ role_id: string }>();
    expect(row?.role_id).toBe(manager);

    const toOwner = await browser.post(`/teams/${owner.teamId}/members/${dev.userId}/role`, {
      csrf: csrfOf(browser),
      roleId: await roleId(owner.teamId, "Owner"),
    });
    expect(toOwner.status).toBe(409);
    expect(await toOwner.text()).toContain('role="alert"');

    const removed = await browser.post(`/teams/${owner.teamId}/members/${dev.userId}/remove`, {
      csrf: csrfOf(browser),
    });
    expect(removed.status).toBe(303);
    const after = await (await browser.get(`/teams/${owner.teamId}?done=removed`)).text();
    expect(after).toContain("Member removed.");
    expect(after).not.toContain(dev.email);
  });
});

describe("pages: /teams/:id/invitations and /invite", () => {
  it("the owner invites (errors next to the field), resends (the old link dies) and revokes", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}/invitations`;
    const developer = await roleId(owner.teamId, "Developer");

    const bad = await browser.post(base, {
      csrf: csrfOf(browser),
      email: "not-an-address",
      roleId: developer,
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/id="f-email-error">Enter a valid email address\./);

    const invitee = uniqueEmail("invitee");
    const sent = await browser.post(base, { csrf: csrfOf(browser), email: invitee, roleId: developer });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(`${base}?done=sent`);
    const [first] = await waitForMail(app, invitee, { template: "invitation" });
    const page = await (await browser.get(`${base}?done=sent`)).text();
    expect(page).toContain("Invitation sent.");
    expect(page).toContain(invitee);
    const id = /action="[^"]*\/invitations\/([^/"]+)\/resend"/.exec(page)?.[1] ?? "";

    const resent = await browser.post(`${base}/${id}/resend`, {
      csrf: csrfOf(browser),
      email: invitee,
      roleId: developer,
    });
    expect(resent.status).toBe(303);
    const mails = await waitForMail(app, invitee, { template: "invitation", count: 2 });
    expect(mails.length).toBe(2);
    const oldToken = tokenFromLink(first?.links[0] ?? "");
    const old = await app.request("POST", "/api/v1/auth/register/invite", {
      body: { inviteToken: oldToken, password: GOOD_PASSWORD },
    });
    expect(old.status).toBe(400);

    const current = await (await browser.get(base)).text();
    const newId = /action="[^"]*\/invitations\/([^/"]+)\/revoke"/.exec(current)?.[1] ?? "";
    const revoked = await browser.post(`${base}/${newId}/revoke`, { csrf: csrfOf(browser) });
    expect(revoked.status).toBe(303);
    const after = await (await browser.get(`${base}?done=revoked`)).text();
    expect(after).toContain("Invitation revoked.");
    expect(after).toContain("No pending invitations.");
  });

  it("/invite?token= decides nothing when opened; a signed-in invitee accepts with its button", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const other = await verifiedOwner(app);
    const invited = await owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email: other.email,
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(invited.status).toBe(201);
    const [mail] = await waitForMail(app, other.email, { template: "invitation" });
    const link = new URL(mail?.links[0] ?? "");
    expect(link.pathname).toBe("/invite");
    const token = tokenFromLink(link.href);

    const anonymous = await pageBrowser(app).get(`/invite?token=${token}`);
    expect(anonymous.status).toBe(200);
    const offer = await anonymous.text();
    expect(offer).toContain(`href="/register/invite?token=${token}"`);
    expect(offer).toContain('href="/login"');

    const browser = pageBrowser(app);
    expect((await browser.post("/login", { email: other.email, password: GOOD_PASSWORD })).status).toBe(303);
    const opened = await browser.get(`/invite?token=${token}`);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain("Accept invitation");
    const member = () =>
      env.DB.prepare("SELECT 1 AS one FROM memberships WHERE team_id = ? AND user_id = ?")
        .bind(owner.teamId, other.userId)
        .first();
    expect(await member()).toBeNull();

    const accepted = await browser.post("/invite", { csrf: csrfOf(browser), token });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe("/invite?joined=1");
    expect(await member()).not.toBeNull();
    const again = await browser.post("/invite", { csrf: csrfOf(browser), token });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('role="alert"');
  });
});

describe("pages: /teams/:id/api-keys", () => {
  it("creates a key with scopes and expiry, shows it once (not on the next visit), rotates and revokes it", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}/api-keys`;
    const form = await (await browser.get(base)).text();
    expect(form).toContain('name="perm:members:read"');

    const none = await browser.post(base, { csrf: csrfOf(browser), name: "CI" });
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('id="f-permissions-error"');

    const created = await browser.post(base, {
      csrf: csrfOf(browser),
      name: "CI",
      "perm:members:read": "on",
      expiresAt: "2099-12-31",
    });
    expect(created.status).toBe(200);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const key = /<code id="new-api-key">(gh_[^<]+)<\/code>/.exec(await created.text())?.[1] ?? "";
    expect(key).toMatch(/^gh_/);
    const members = await app.request("GET", `/api/v1/teams/${owner.teamId}/members`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(members.status).toBe(200);
    const row = await env.DB.prepare("SELECT id, expires_at FROM api_keys WHERE team_id = ?")
      .bind(owner.teamId)
      .first<{ id: string; expires_at: number }>();
    expect(row?.expires_at).toBe(Date.parse("2099-12-31T23:59:59Z"));

    const later = await (await browser.get(base)).text();
    expect(later).toContain("CI");
    expect(later).not.toContain(key);

    const rotated = await browser.post(`${base}/${row?.id}/rotate`, { csrf: csrfOf(browser) });
    expect(rotated.status).toBe(200);
    const newKey = /<code id="new-api-key">(gh_[^<]+)<\/code>/.exec(await rotated.text())?.[1] ?? "";
    expect(newKey).toMatch(/^gh_/);
    expect(newKey).not.toBe(key);

    const listed = await (await browser.get(base)).text();
    const newId = /action="[^"]*\/api-keys\/([^/"]+)\/revoke"/.exec(listed)?.[1] ?? "";
    const revoked = await browser.post(`${base}/${newId}/revoke`, { csrf: csrfOf(browser) });
    expect(revoked.status).toBe(303);
    const after = await app.request("GET", `/api/v1/teams/${owner.teamId}/members`, {
      headers: { authorization: `Bearer ${newKey}` },
    });
    expect(after.status).toBe(401);
  });
});
