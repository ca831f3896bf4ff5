import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { memberSession, ownerSession } from "../../support/teams";

type App = ReturnType<typeof testWorker>;
type Caller = { email: string; call: (method: string, path: string) => Promise<Response> };

async function signedInBrowser(app: App, user: Caller) {
  expect((await user.call("POST", "/api/v1/auth/logout")).status).toBe(204);
  const browser = pageBrowser(app);
  expect((await browser.post("/login", { email: user.email, password: GOOD_PASSWORD })).status).toBe(303);
  return browser;
}

const csrfOf = (browser: ReturnType<typeof pageBrowser>) => browser.jar.get("__Host-csrf") ?? "";

describe("pages: /teams/:id/billing", () => {
  it("the owner sees plan, limits and usage; sets a spending limit (errors next to the field); PRO needs a billing account", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}/billing`;

    const page = await (await browser.get(base)).text();
    expect(page).toContain("Current plan: <strong>FREE</strong>");
    expect(page).toMatch(/Members<\/th><td>5<\/td>/);
    expect(page).toContain("PRO needs a connected Virtuozzo account of type billing.");
    expect(page).toContain("No usage this month.");

    const pro = await browser.post(`${base}/plan`, { csrf: csrfOf(browser), plan: "PRO" });
    expect(pro.status).toBe(409);
    expect(await pro.text()).toContain("The PRO plan needs a connected Virtuozzo account with billing");

    const bad = await browser.post(`${base}/limits`, {
      csrf: csrfOf(browser),
      monthlyCapUsd: "lots",
      warnAtPercent: "150",
    });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Enter an amount in USD.");
    expect(badHtml).toContain("Enter a whole percentage from 1 to 99.");

    const saved = await browser.post(`${base}/limits`, {
      csrf: csrfOf(browser),
      monthlyCapUsd: "$25.50",
      hardStop: "true",
      warnAtPercent: "75",
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`${base}?done=limits`);
    const row = await env.DB.prepare(
      "SELECT monthly_cap_micros, hard_stop, warn_at_percent FROM team_billing WHERE team_id = ?",
    )
      .bind(owner.teamId)
      .first<{ monthly_cap_micros: number; hard_stop: number; warn_at_percent: number }>();
    expect(row).toEqual({ monthly_cap_micros: 25_500_000, hard_stop: 1, warn_at_percent: 75 });
    const after = await (await browser.get(`${base}?done=limits`)).text();
    expect(after).toContain("Spending limit saved.");
    expect(after).toContain('value="25.5"');
    expect(after).toContain("Remaining: $25.50");
  });

  it("a Developer (no billing:read) is neither offered the section nor let in", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const browser = await signedInBrowser(app, dev);
    expect(await (await browser.get(`/teams/${owner.teamId}`)).text()).not.toContain("/billing");
    expect((await browser.get(`/teams/${owner.teamId}/billing`)).status).toBe(403);
    const refused = await browser.post(`/teams/${owner.teamId}/billing/limits`, {
      csrf: csrfOf(browser),
      monthlyCapUsd: "1",
      warnAtPercent: "50",
    });
    expect(refused.status).toBe(403);
  });
});
