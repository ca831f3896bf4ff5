import { describe, expect, it } from "vitest";
import { testClock, testWorker, verifiedOwner } from "../../support/helpers";
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
