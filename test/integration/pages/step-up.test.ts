import { describe, expect, it } from "vitest";
import { adminBrowser } from "../../support/admin";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

type App = ReturnType<typeof testWorker>;
const MINUTE = 60_000;
const LONG_TOKENS = { ACCESS_TOKEN_TTL: "900", SINGLE_SESSION: "false" };

/** A Door A owner signed in through the API, its session cookies in a page browser's jar. */
async function ownerBrowser(app: App) {
  const owner = await verifiedOwner(app);
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: owner.email, password: owner.password },
  });
  const step = (await login.json()) as { preAuthToken: string; deviceId: string };
  const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
  });
  expect(exchange.status).toBe(200);
  const browser = pageBrowser(app);
  browser.jar.set("__Host-device", step.deviceId);
  for (const line of exchange.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    browser.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { owner, browser, csrf: () => browser.jar.get("__Host-csrf") ?? "" };
}

describe("pages: inline step-up (no JavaScript)", () => {
  it("creating an API key with an old sign-in shows 'Confirm it's you'; the password brings the user back", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const { owner, browser, csrf } = await ownerBrowser(app);
    const page = `/teams/${owner.teamId}/api-keys`;
    expect((await browser.get(page)).status).toBe(200);
    app.clock.advance(11 * MINUTE);

    const form = { name: "ci", "perm:team:read": "on" };
    const refused = await browser.post(page, { csrf: csrf(), ...form });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="insufficient_user_authentication"');
    const prompt = await refused.text();
    expect(prompt).toContain("Confirm it&#39;s you");
    expect(prompt).toContain('action="/account/step-up"');
    expect(prompt).toContain('name="password"');
    expect(prompt).not.toContain('name="code"');
    expect(prompt).toContain(`name="return_to" value="${page}"`);
    expect(prompt).not.toContain("<script");

    const wrong = await browser.post("/account/step-up", {
      csrf: csrf(),
      return_to: page,
      password: "wrong-one-123",
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Email or password is incorrect.");

    const done = await browser.post("/account/step-up", {
      csrf: csrf(),
      return_to: page,
      password: owner.password,
    });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(page);
    expect(done.headers.getSetCookie().some((c) => c.startsWith("__Host-access="))).toBe(true);

    // The user presses their button again: the key is created and shown once.
    const created = await browser.post(page, { csrf: csrf(), ...form });
    expect(created.status).toBe(200);
    expect(await created.text()).toMatch(/gh_[A-Za-z0-9_-]{22,}/);
  });

  it("the form never sends the user to another origin", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const { browser } = await ownerBrowser(app);
    const res = await browser.get("/account/step-up?return_to=//evil.example/x");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('name="return_to" value="/account"');
    expect(html).not.toContain("evil.example");
  });

  it("an admin action with an old sign-in asks for the authenticator code in place", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const { who, browser } = await adminBrowser(app, ["admin"]);
    const target = await verifiedOwner(app, uniqueEmail("target"));
    app.clock.advance(11 * MINUTE);
    const csrf = () => browser.jar.get("__Host-csrf") ?? "";
    const action = `/admin/users/${target.userId}/lock`;
    const refused = await browser.post(action, { csrf: csrf(), reason: "abuse report 7" });
    expect(refused.status).toBe(401);
    const prompt = await refused.text();
    expect(prompt).toContain('name="code"');
    expect(prompt).not.toContain('name="password"');
    const back = `/admin/users/${target.userId}/confirm/lock`;
    expect(prompt).toContain(`name="return_to" value="${back}"`);

    const done = await browser.post("/account/step-up", { csrf: csrf(), return_to: back, code: who.code() });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(back);
    const locked = await browser.post(action, { csrf: csrf(), reason: "abuse report 7" });
    expect(locked.status).toBe(303);
    expect(locked.headers.get("location")).toBe(`/admin/users/${target.userId}?done=lock`);
  });

  it("changing the password on the security page with an old sign-in asks first", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const { owner, browser } = await ownerBrowser(app);
    app.clock.advance(11 * MINUTE);
    const res = await browser.post("/account/security/password", {
      currentPassword: owner.password,
      newPassword: "another-long-passphrase-77",
    });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('name="return_to" value="/account/security"');
    // The new password the user typed is not echoed into the prompt.
    expect(html).not.toContain("another-long-passphrase-77");
  });
});
