import { describe, expect, it } from "vitest";
import { adminBrowser } from "../../support/admin";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { attemptLogin, freshAsn, ipIn, LOW_THRESHOLDS, randomPrefix } from "./support";

/** `/admin/abuse` and `/admin/teams/:teamId/budgets`: the pages over the abuse-signal and team-budget APIs. */
describe("abuse and budget pages for platform staff", () => {
  it("support sees the network under a stuffing signal, with its times; the nav offers the page", async () => {
    const app = testWorker({ env: { ...LOW_THRESHOLDS, SINGLE_SESSION: "false" } });
    const asn = freshAsn();
    for (let i = 0; i < 10; i += 1) {
      await attemptLogin(app, {
        email: uniqueEmail("paged"),
        password: `Leaked-${i}`,
        ip: ipIn(randomPrefix()),
        asn,
      });
    }
    const { browser } = await adminBrowser(app, ["support"]);
    expect(await (await browser.get("/admin")).text()).toContain('href="/admin/abuse"');
    const page = await browser.get("/admin/abuse");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<h1>Abuse signals</h1>");
    const row = html.slice(html.indexOf(`asn:${asn}`) - 200, html.indexOf(`asn:${asn}`) + 400);
    expect(row).toContain("Credential stuffing");
    expect(row).toContain(`Network (ASN): asn:${asn}`);
    expect(row).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
  });

  it("a billing admin is refused the signals but opens a team's budgets from the user page", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { browser } = await adminBrowser(app, ["billing_admin"]);
    expect(await (await browser.get("/admin")).text()).not.toContain('href="/admin/abuse"');
    expect((await browser.get("/admin/abuse")).status).toBe(403);

    const owner = await verifiedOwner(app, uniqueEmail("budgeted"));
    const detail = await (await browser.get(`/admin/users/${owner.userId}`)).text();
    expect(detail).toContain(`href="/admin/teams/${owner.teamId}/budgets"`);
    const budgets = await browser.get(`/admin/teams/${owner.teamId}/budgets`);
    expect(budgets.status).toBe(200);
    const html = await budgets.text();
    expect(html).toContain(`Team ${owner.teamId}, on the FREE plan.`);
    expect(html).toContain("Usage budgets");
    expect(html).toMatch(/\d+ \/ \d+/);
    expect((await browser.get("/admin/teams/no-such-team/budgets")).status).toBe(404);
  });

  it("sends anonymous visitors to sign in", async () => {
    const app = testWorker();
    const anonymous = await pageBrowser(app).get("/admin/abuse");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toContain("/login");
  });
});
