import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { memberSession, ownerSession } from "../../support/teams";
import { FAKE_API, LOGIN, PASSWORD, TOKEN, virtuozzoWorld } from "../virtuozzo/support";

type World = ReturnType<typeof virtuozzoWorld>;
type Caller = { email: string; call: (method: string, path: string) => Promise<Response> };

async function signedInBrowser(world: World, user: Caller) {
  expect((await user.call("POST", "/api/v1/auth/logout")).status).toBe(204);
  const browser = pageBrowser(world.app);
  expect((await browser.post("/login", { email: user.email, password: GOOD_PASSWORD })).status).toBe(303);
  return browser;
}

const csrfOf = (browser: ReturnType<typeof pageBrowser>) => browser.jar.get("__Host-csrf") ?? "";

describe("pages: /teams/:id/virtuozzo", () => {
  it("the owner connects (refusals next to the field, secrets never echoed), refreshes and disconnects", async () => {
    const world = virtuozzoWorld();
    const owner = await ownerSession(world.app);
    const browser = await signedInBrowser(world, owner);
    const base = `/teams/${owner.teamId}/virtuozzo`;

    const empty = await (await browser.get(base)).text();
    expect(empty).toContain("Not connected");
    expect(empty).toContain(`action="${base}/connect"`);

    const badUrl = await browser.post(`${base}/connect`, {
      csrf: csrfOf(browser),
      kind: "password",
      apiUrl: "https://10.0.0.1",
      login: LOGIN,
      password: PASSWORD,
    });
    expect(badUrl.status).toBe(422);
    const badHtml = await badUrl.text();
    expect(badHtml).toMatch(/id="password-apiUrl-error">[^<]+</);
    expect(badHtml).not.toContain(PASSWORD);
    expect(world.fake.counts.signin).toBe(0);

    const rejected = await browser.post(`${base}/connect`, {
      csrf: csrfOf(browser),
      kind: "token",
      apiUrl: FAKE_API,
      token: "not-a-known-token-value",
    });
    expect(rejected.status).toBe(422);
    expect(await rejected.text()).not.toContain("not-a-known-token-value");

    const connected = await browser.post(`${base}/connect`, {
      csrf: csrfOf(browser),
      kind: "token",
      apiUrl: FAKE_API,
      token: TOKEN,
      sessionTtlSeconds: "3600",
    });
    expect(connected.status).toBe(303);
    expect(connected.headers.get("location")).toBe(`${base}?done=connected`);
    const page = await (await browser.get(`${base}?done=connected`)).text();
    expect(page).toContain("Virtuozzo connected.");
    expect(page).toContain(`<code>${FAKE_API}</code>`);
    expect(page).toContain("personal access token");
    expect(page).not.toContain(TOKEN);

    const refreshed = await browser.post(`${base}/refresh`, { csrf: csrfOf(browser) });
    expect(refreshed.status).toBe(303);
    expect(refreshed.headers.get("location")).toBe(`${base}?done=refreshed`);

    const gone = await browser.post(`${base}/disconnect`, { csrf: csrfOf(browser) });
    expect(gone.status).toBe(303);
    expect(await (await browser.get(`${base}?done=disconnected`)).text()).toContain("Not connected");
  });

  it("a Manager (no virtuozzo:manage) is neither offered the section nor let in", async () => {
    const world = virtuozzoWorld();
    const owner = await ownerSession(world.app);
    const manager = await memberSession(world.app, owner.accessToken, owner.teamId, "Manager");
    const browser = await signedInBrowser(world, manager);
    expect(await (await browser.get(`/teams/${owner.teamId}`)).text()).not.toContain("/virtuozzo");
    expect((await browser.get(`/teams/${owner.teamId}/virtuozzo`)).status).toBe(403);
    const refused = await browser.post(`/teams/${owner.teamId}/virtuozzo/connect`, {
      csrf: csrfOf(browser),
      kind: "token",
      apiUrl: FAKE_API,
      token: TOKEN,
    });
    expect(refused.status).toBe(403);
  });
});
