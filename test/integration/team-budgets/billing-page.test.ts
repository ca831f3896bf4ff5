import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { ownerSession } from "../../support/teams";

describe("pages: the team's budgets on /teams/:id/billing", () => {
  it("the owner sees each budget's use in its hour and day against the plan's limit", async () => {
    const app = testWorker({ env: { TEAM_BUDGETS: "FREE.logins=7/h", SINGLE_SESSION: "false" } });
    const owner = await ownerSession(app); // one login into the team
    const browser = pageBrowser(app);
    // The page sign-in (a single team: straight into it) is the second.
    expect((await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD })).status).toBe(303);
    const page = await (await browser.get(`/teams/${owner.teamId}/billing`)).text();
    expect(page).toContain("<h3>Usage budgets</h3>");
    expect(page).toMatch(/logins per hour<\/th><td>2 \/ 7<\/td>/);
    expect(page).toMatch(/logins per day \(UTC\)<\/th><td>2 \/ 2000<\/td>/);
    expect(page).toMatch(/API keys per hour<\/th><td>0 \/ 20<\/td>/);
  });

  it("a page sign-in into a team over its logins budget shows the copy, not an error page", async () => {
    const app = testWorker({ env: { TEAM_BUDGETS: "FREE.logins=1/h", SINGLE_SESSION: "false" } });
    const owner = await ownerSession(app); // spends the one login
    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD });
    expect(res.status).toBe(429);
    const html = await res.text();
    expect(html).toContain(
      '<p class="alert" role="alert">This team has reached its limit for logins. Try again later.</p>',
    );
  });
});
