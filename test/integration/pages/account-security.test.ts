import { describe, expect, it } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { signIn, testClock, testWorker, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

type App = ReturnType<typeof testWorker>;

/** A browser signed in through the login page (one team: straight to /account). */
async function signedInBrowser(app: App) {
  const owner = await verifiedOwner(app);
  const browser = pageBrowser(app);
  const res = await browser.post("/login", { email: owner.email, password: owner.password });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/account");
  return { owner, browser };
}

describe("pages: page sessions outlive the access token", () => {
  // ACCESS_TOKEN_TTL is 10 minutes, plus the 2 minutes of clock skew access tokens allow.
  it("after ACCESS_TOKEN_TTL the page refreshes through the refresh cookie, sets new cookies and renders", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { owner, browser } = await signedInBrowser(app);
    const oldRefresh = browser.jar.get("__Host-refresh");
    const oldAccess = browser.jar.get("__Host-access");
    clock.advance(13 * 60_000);
    const page = await browser.get("/account");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(owner.email);
    const cookies = page.headers.getSetCookie().join("\n");
    expect(cookies).toMatch(/__Host-access=[^;]+;.*HttpOnly/);
    expect(cookies).toMatch(/__Host-refresh=[^;]+;.*HttpOnly/);
    expect(browser.jar.get("__Host-refresh")).not.toBe(oldRefresh);
    expect(browser.jar.get("__Host-access")).not.toBe(oldAccess);
    // The new access cookie is enough for the next page: no second rotation.
    const again = await browser.get("/account");
    expect(again.status).toBe(200);
    expect(again.headers.getSetCookie().join("\n")).not.toContain("__Host-refresh=");
  });

  it("a browser that dropped the expired access cookie is refreshed too", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { owner, browser } = await signedInBrowser(app);
    browser.jar.delete("__Host-access");
    clock.advance(13 * 60_000);
    const page = await browser.get("/account");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(owner.email);
    expect(browser.jar.has("__Host-access")).toBe(true);
  });

  it("the refresh cookie from another device does not sign the page in, and the session cookies are cleared", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { browser } = await signedInBrowser(app);
    browser.jar.set("__Host-device", `otherdevice${crypto.randomUUID().replaceAll("-", "")}`);
    clock.advance(13 * 60_000);
    const page = await browser.get("/account");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    expect(browser.jar.has("__Host-refresh")).toBe(false);
  });

  it("past the idle timeout the page sends the browser to /login", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { browser } = await signedInBrowser(app);
    clock.advance(2 * 3600_000);
    const page = await browser.get("/account");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    expect(browser.jar.has("__Host-access")).toBe(false);
  });

  it("a reused (already rotated) refresh cookie ends the session instead of signing in", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { browser } = await signedInBrowser(app);
    const stolen = browser.jar.get("__Host-refresh") ?? "";
    clock.advance(13 * 60_000);
    expect((await browser.get("/account")).status).toBe(200);
    const thief = pageBrowser(app);
    thief.jar.set("__Host-device", `thiefdevice${crypto.randomUUID().replaceAll("-", "")}`);
    thief.jar.set("__Host-refresh", stolen);
    const replay = await thief.get("/account");
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe("/login");
    // Reuse revoked the whole session: the rightful browser is signed out too, at once.
    expect((await browser.get("/account")).status).toBe(303);
  });
});

function base32Decode(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of text.replace(/=+$/, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const bytes = new Uint8Array(Math.floor(bits.length / 8));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return bytes;
}

function codeFor(key: string, now: number): string {
  return totpCode(base32Decode(key), totpCounter(now));
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";
}

describe("pages: /account/security", () => {
  it("is linked from /account and lists this session, the trusted device and the login activity", async () => {
    const app = testWorker();
    const { browser } = await signedInBrowser(app);
    expect(await (await browser.get("/account")).text()).toContain('href="/account/security"');
    const page = await browser.get("/account/security");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Change password");
    expect(html).toContain("This browser");
    expect(html).toContain("Trusted devices");
    expect(html).toContain('action="/account/security/devices/revoke"');
    expect(html).toContain("<table>");
    expect(html).toContain("success");
    expect(html).not.toMatch(/style=|\son[a-z]+=/i);
    expect((await pageBrowser(app).get("/account/security")).headers.get("location")).toBe("/login");
  });

  it("changes the password: a wrong current password is 401 with the API's copy, the right one redirects", async () => {
    const app = testWorker();
    const { owner, browser } = await signedInBrowser(app);
    const wrong = await browser.post("/account/security/password", {
      currentPassword: "not-my-password-9",
      newPassword: "copper-lantern-orchid-77",
    });
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toMatch(/id="f-currentPassword-error">Email or password is incorrect\./);
    const weak = await browser.post("/account/security/password", {
      currentPassword: owner.password,
      newPassword: "short",
    });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain('id="f-newPassword-error"');
    const ok = await browser.post("/account/security/password", {
      currentPassword: owner.password,
      newPassword: "copper-lantern-orchid-77",
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/account/security?done=password");
    const after = await browser.get("/account/security?done=password");
    expect(after.status).toBe(200);
    expect(await after.text()).toContain("Your password was changed.");
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: "copper-lantern-orchid-77" },
    });
    expect(login.status).toBe(200);
  });

  it("a form post from another site is refused before anything changes", async () => {
    const app = testWorker();
    const { owner, browser } = await signedInBrowser(app);
    const res = await browser.post(
      "/account/security/password",
      { currentPassword: owner.password, newPassword: "copper-lantern-orchid-77" },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    );
    expect(res.status).toBe(403);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    expect(login.status).toBe(200);
  });

  it("sets up 2FA (QR code, key, confirmation), shows the recovery codes once, regenerates them and turns 2FA off", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const { owner, browser } = await signedInBrowser(app);
    const setup = await browser.post("/account/security/2fa/setup", {});
    expect(setup.status).toBe(200);
    const setupHtml = await setup.text();
    expect(setupHtml).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    const key = /<code id="manual-key">([A-Z2-7]+)<\/code>/.exec(setupHtml)?.[1] ?? "";
    expect(key).not.toBe("");
    const fields = {
      challengeId: hidden(setupHtml, "challengeId"),
      secret: hidden(setupHtml, "secret"),
      otpauthUri: hidden(setupHtml, "otpauthUri").replaceAll("&amp;", "&"),
    };
    const wrong = await browser.post("/account/security/2fa/confirm", { ...fields, code: "000000" });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('id="f-code-error">Invalid security code.');
    expect(wrongHtml).toContain(key);

    const done = await browser.post("/account/security/2fa/confirm", {
      ...fields,
      code: codeFor(key, clock.now()),
    });
    expect(done.status).toBe(200);
    expect(done.headers.get("cache-control")).toBe("no-store");
    const codesHtml = await done.text();
    const codes =
      /<pre id="recovery-codes" class="card">([^<]+)<\/pre>/.exec(codesHtml)?.[1]?.split("\n") ?? [];
    expect(codes).toHaveLength(10);
    expect(codesHtml).toContain('href="data:text/plain;charset=utf-8,');
    expect(codesHtml).toContain('download="gatehouse-recovery-codes.txt"');
    const nonce = /script-src 'nonce-([^']+)'/.exec(done.headers.get("content-security-policy") ?? "")?.[1];
    expect(codesHtml).toContain(`<script nonce="${nonce}">`);
    expect(await (await browser.get("/account")).text()).toMatch(/Two-factor authentication<\/dt><dd>On/);

    const badRegen = await browser.post("/account/security/2fa/recovery-codes", {
      regeneratePassword: "not-my-password-9",
    });
    expect(badRegen.status).toBe(401);
    expect(await badRegen.text()).toContain(
      'id="f-regeneratePassword-error">Email or password is incorrect.',
    );
    const regen = await browser.post("/account/security/2fa/recovery-codes", {
      regeneratePassword: owner.password,
    });
    expect(regen.status).toBe(200);
    const fresh = /<pre id="recovery-codes" class="card">([^<]+)<\/pre>/.exec(await regen.text())?.[1] ?? "";
    expect(fresh.split("\n")).toHaveLength(10);
    expect(fresh).not.toContain(codes[0] ?? "");

    clock.advance(31_000);
    const badOff = await browser.post("/account/security/2fa/disable", {
      disablePassword: owner.password,
      disableCode: "000000",
    });
    expect(badOff.status).toBe(401);
    expect(await badOff.text()).toContain('id="f-disableCode-error"');
    const off = await browser.post("/account/security/2fa/disable", {
      disablePassword: owner.password,
      disableCode: codeFor(key, clock.now()),
    });
    expect(off.status).toBe(303);
    expect(off.headers.get("location")).toBe("/account/security?done=2fa-off");
    expect(await (await browser.get("/account/security?done=2fa-off")).text()).toContain(
      "Two-factor authentication is off.",
    );
  });

  it("signs out another session and revokes a trusted device", async () => {
    // Two live sessions at once need single-session enforcement off.
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { owner, browser } = await signedInBrowser(app);
    const other = await signIn(app, owner.email, owner.password, owner.teamId);
    const html = await (await browser.get("/account/security")).text();
    const sessionIds = [...html.matchAll(/name="sessionId" value="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sessionIds).toHaveLength(1);
    const out = await browser.post("/account/security/sessions/revoke", { sessionId: sessionIds[0] ?? "" });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/account/security?done=session");
    const me = await app.request("GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${other.accessToken}` },
    });
    expect(me.status).toBe(401);
    const unknown = await browser.post("/account/security/sessions/revoke", {
      sessionId: sessionIds[0] ?? "",
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('role="alert"');

    const deviceId = hidden(html, "deviceId");
    expect(deviceId).not.toBe("");
    const revoked = await browser.post("/account/security/devices/revoke", { deviceId });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get("location")).toBe("/account/security?done=device");
    const after = await (await browser.get("/account/security?done=device")).text();
    expect(after).toContain("No trusted devices.");
    expect(after).toContain("That device is no longer trusted");
  });
});
