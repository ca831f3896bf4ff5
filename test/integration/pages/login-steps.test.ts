import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import {
  GOOD_PASSWORD,
  signIn,
  testWorker,
  tokenFromLink,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { as, roleId } from "../../support/teams";

type App = ReturnType<typeof testWorker>;

const BERLIN_CF = { country: "DE", city: "Berlin", asn: 3320, latitude: "52.52", longitude: "13.40" };
const NEW_YORK = { "cf-ipcountry": "US", "cf-ipcity": "New York", "cf-asn": "7922" };

/** A verified owner with one finished and logged-out login on `app`'s device (from Berlin). */
async function ownerWithBaseline(app: App) {
  const owner = await verifiedOwner(app);
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: owner.email, password: owner.password },
    cf: BERLIN_CF,
  });
  const step = (await login.json()) as { step: string; preAuthToken: string };
  expect(step.step).toBe("select_team");
  const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId: owner.teamId },
    cf: BERLIN_CF,
  });
  expect(ex.status).toBe(200);
  const { accessToken } = (await ex.json()) as { accessToken: string };
  expect((await as(app, accessToken)("POST", "/api/v1/auth/logout")).status).toBe(204);
  return owner;
}

describe("pages: login steps", () => {
  it("password_change: /login/password takes the new password (policy copy next to the field) and signs in", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    await env.DB.prepare("UPDATE users SET password_must_change = 1 WHERE id = ?").bind(owner.userId).run();
    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: owner.password });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login/password");

    const page = await browser.get("/login/password");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<label for="f-newPassword">New password</label>');
    // The team page is not reachable before the step: it sends the browser back to this one.
    const skip = await browser.get("/login/team");
    expect(skip.headers.get("location")).toBe("/login/password");

    const same = await browser.post("/login/password", { newPassword: owner.password });
    expect(same.status).toBeGreaterThanOrEqual(400);
    expect(await same.text()).toContain('id="f-newPassword-error"');

    const done = await browser.post("/login/password", { newPassword: "copper-lantern-harbor-77" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/account");
    expect(browser.jar.has("__Host-access")).toBe(true);
    expect(browser.jar.has("__Host-preauth")).toBe(false);
  });

  it("device_approval: a second device gets /login/device; a wrong code shows the API's copy, the mailed one signs in", async () => {
    const first = testWorker();
    const owner = await ownerWithBaseline(first);
    const app = testWorker();
    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: owner.password });
    expect(res.headers.get("location")).toBe("/login/device");
    const page = await browser.get("/login/device");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('autocomplete="one-time-code"');
    expect(html).toContain('name="trustDevice"');

    const wrong = await browser.post("/login/device", { code: "000000" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Invalid security code.");

    const [mail] = await waitForMail(app, owner.email, { template: "device_code" });
    const done = await browser.post("/login/device", { code: mail?.codes[0] ?? "", trustDevice: "true" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/account");
    expect(await (await browser.get("/account")).text()).toContain(owner.email);
  });

  it("login_approval: /login/approval waits (nonce'd poll script, JSON status) and moves on after an approve", async () => {
    const app = testWorker();
    const owner = await ownerWithBaseline(app);
    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD }, NEW_YORK);
    expect(res.headers.get("location")).toBe("/login/approval");

    const page = await browser.get("/login/approval");
    expect(page.status).toBe(200);
    const nonce = /script-src 'nonce-([^']+)'/.exec(page.headers.get("content-security-policy") ?? "")?.[1];
    const html = await page.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain("/login/approval/status");
    expect(html).toContain('action="/login/approval"');
    const pending = await browser.get("/login/approval/status");
    expect(await pending.json()).toEqual({ step: "login_approval" });
    expect((await browser.get("/login/team")).headers.get("location")).toBe("/login/approval");

    const [mail] = await waitForMail(app, owner.email, { template: "login_approval" });
    const approved = await app.request("POST", "/api/v1/auth/login/approve", {
      body: { token: tokenFromLink(mail?.links[0] ?? "") },
    });
    expect(approved.status).toBe(200);
    expect(await (await browser.get("/login/approval/status")).json()).toEqual({ step: "decided" });
    const next = await browser.get("/login/approval");
    expect(next.status).toBe(303);
    expect(next.headers.get("location")).toBe("/account");
    expect(browser.jar.has("__Host-access")).toBe(true);
  });

  it("login_approval: after a deny the page says so at /login", async () => {
    const app = testWorker();
    const owner = await ownerWithBaseline(app);
    const browser = pageBrowser(app);
    await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD }, NEW_YORK);
    const [mail] = await waitForMail(app, owner.email, { template: "login_approval" });
    const denied = await app.request("POST", "/api/v1/auth/login/deny", {
      body: { token: tokenFromLink(mail?.links[1] ?? "") },
    });
    expect(denied.status).toBe(200);
    const after = await browser.get("/login/approval");
    expect(after.headers.get("location")).toBe("/login?denied=1");
    expect(browser.jar.has("__Host-preauth")).toBe(false);
    expect(await (await browser.get("/login?denied=1")).text()).toContain("This sign-in was denied");
  });

  it("mfa: /login/mfa refuses a wrong code with the API's copy and takes the TOTP", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const call = as(app, session.accessToken);
    const setup = (await (await call("POST", "/api/v1/auth/2fa/enable-init")).json()) as {
      challengeId: string;
      secret: string;
    };
    const secret = decodeBase32IgnorePadding(setup.secret);
    const enabled = await call("POST", "/api/v1/auth/2fa/enable-complete", {
      challengeId: setup.challengeId,
      code: totpCode(secret, totpCounter(app.clock.now())),
    });
    expect(enabled.status).toBe(200);
    expect((await call("POST", "/api/v1/auth/logout")).status).toBe(204);
    app.clock.advance(30_000);

    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: owner.password });
    expect(res.headers.get("location")).toBe("/login/mfa");
    expect((await browser.get("/login/mfa")).status).toBe(200);
    const wrong = await browser.post("/login/mfa", { code: "000000" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('id="f-code-error"');
    const done = await browser.post("/login/mfa", { code: totpCode(secret, totpCounter(app.clock.now())) });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/account");
  });

  it("concurrent session: /login/concurrent ends the other session on request, or keeps it", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const other = await signIn(app, owner.email, owner.password, owner.teamId);

    const keeper = pageBrowser(app);
    const kept = await keeper.post("/login", { email: owner.email, password: owner.password });
    expect(kept.headers.get("location")).toBe("/login/concurrent");
    expect(kept.headers.getSetCookie().join("\n")).toMatch(
      /__Host-decision=[^;]+;.*HttpOnly.*SameSite=Strict/i,
    );
    const page = await keeper.get("/login/concurrent");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("You are signed in elsewhere");
    const keep = await keeper.post("/login/concurrent", { choice: "keep" });
    expect(keep.headers.get("location")).toBe("/login?kept=1");
    expect(keeper.jar.has("__Host-access")).toBe(false);
    expect((await as(app, other.accessToken)("GET", "/api/v1/auth/me")).status).toBe(200);

    const browser = pageBrowser(app);
    await browser.post("/login", { email: owner.email, password: owner.password });
    const ended = await browser.post("/login/concurrent", { choice: "end" });
    expect(ended.status).toBe(303);
    expect(ended.headers.get("location")).toBe("/account");
    expect(browser.jar.has("__Host-decision")).toBe(false);
    expect((await as(app, other.accessToken)("GET", "/api/v1/auth/me")).status).toBe(401);
    expect((await browser.get("/account")).status).toBe(200);
  });

  it("a step page without a login in progress starts again at /login", async () => {
    const browser = pageBrowser(testWorker());
    for (const path of [
      "/login/password",
      "/login/device",
      "/login/mfa",
      "/login/approval",
      "/login/concurrent",
    ]) {
      expect((await browser.get(path)).headers.get("location")).toBe("/login?expired=1");
    }
  });
});

describe("pages: /register/invite (Door B)", () => {
  it("shows the invited address, takes a password and a name, and signs the new member in to the team", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const email = `invitee-${crypto.randomUUID()}@example.com`;
    const invited = await as(app, session.accessToken)("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email,
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(invited.status).toBe(201);
    const [mail] = await waitForMail(app, email, { template: "invitation" });
    const token = tokenFromLink(mail?.links[0] ?? "");

    const browser = pageBrowser(app);
    const page = await browser.get(`/register/invite?token=${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(email);
    expect(html).toContain("Login Team");
    expect(html).not.toContain('name="email"');

    const weak = await browser.post("/register/invite", { token, password: "short", name: "Ada" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain('id="f-password-error"');

    const done = await browser.post("/register/invite", { token, password: GOOD_PASSWORD, name: "Ada" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/account");
    const account = await (await browser.get("/account")).text();
    expect(account).toContain(email);
    expect(account).toContain("Login Team");

    // The link is spent.
    expect((await browser.get(`/register/invite?token=${token}`)).status).toBe(400);
  });
});
