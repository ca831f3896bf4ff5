import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { memberSession, ownerSession } from "../../support/teams";

type App = ReturnType<typeof testWorker>;
type Caller = { email: string; call: (method: string, path: string, body?: unknown) => Promise<Response> };

/** A page browser signed in as `user` through the login page (its API session ended first: single session). */
async function signedInBrowser(app: App, user: Caller) {
  expect((await user.call("POST", "/api/v1/auth/logout")).status).toBe(204);
  const browser = pageBrowser(app);
  expect((await browser.post("/login", { email: user.email, password: GOOD_PASSWORD })).status).toBe(303);
  return browser;
}

describe("pages: the spend-warning banner on every team page", () => {
  it("appears at the warning threshold and at the cap for billing readers, linking to plan and usage", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const limits = await owner.call("POST", `/api/v1/teams/${owner.teamId}/limits`, {
      monthlyCapUsd: 10,
      hardStop: false,
      warnAtPercent: 50,
    });
    expect(limits.status).toBe(200);
    // the backend records usage with a team API key (the owner's API session ends when they sign in to the pages)
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "metering",
      permissions: ["usage:write"],
    });
    expect(created.status).toBe(201);
    const { key: apiKey } = (await created.json()) as { key: string };
    const spend = (key: string, amountUsd: number) =>
      app.request("POST", `/api/v1/teams/${owner.teamId}/usage`, {
        headers: { authorization: `Bearer ${apiKey}`, "idempotency-key": key },
        body: { amountUsd, description: "compute" },
      });
    expect((await spend("k1", 2)).status).toBe(201);

    const month = new Date(app.clock.now()).toISOString().slice(0, 7);
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}`;
    expect(await (await browser.get(base)).text()).not.toContain("monthly spending limit (");

    expect((await spend("k2", 4)).status).toBe(201); // 6 of 10: past the 50 % warning
    for (const path of [base, `${base}/roles`, `${base}/api-keys`]) {
      const html = await (await browser.get(path)).text();
      expect(html).toContain(`This team has used 50 % of its monthly spending limit (${month}).`);
      expect(html).toContain(`<a href="${base}/billing">See plan and usage</a>`);
    }

    expect((await spend("k3", 5)).status).toBe(201); // 11 of 10 (no hard stop): the cap
    const capped = await (await browser.get(base)).text();
    expect(capped).toContain(`This team has reached its monthly spending limit (${month}).`);
    expect(capped).not.toContain("This team has used");

    // a Developer (no billing:read) is not told
    const developer = await signedInBrowser(app, dev);
    expect(await (await developer.get(base)).text()).not.toContain("monthly spending limit");
  });
});
