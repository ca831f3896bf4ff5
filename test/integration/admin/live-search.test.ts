import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIVE_SEARCH_DELAY_MS } from "../../../src/ui/live-search";
import { adminBrowser } from "../../support/admin";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

describe("the admin users page: search as you type, with a no-JS fallback", () => {
  it("carries the live-search script (with the response's CSP nonce) only where a search form asks for it", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { browser } = await adminBrowser(app, ["support"]);
    const users = await browser.get("/admin/users");
    const html = await users.text();
    expect(html).toContain('data-live-search="user-results"');
    expect(html).toContain('<div id="user-results">');
    const nonce = /'nonce-([^']+)'/.exec(users.headers.get("content-security-policy") ?? "")?.[1];
    expect(nonce).toBeTruthy();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual([`<script nonce="${nonce}">`]);
    expect(html).toContain(`setTimeout(search, ${LIVE_SEARCH_DELAY_MS})`);
    // no inline handlers, and no script on a page without such a form
    expect(html).not.toMatch(/ on[a-z]+="/);
    expect(await (await browser.get("/admin")).text()).not.toContain("<script");
  });

  it("without JavaScript the same form filters by prefix, team and creation day (GET → the results region)", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { browser } = await adminBrowser(app, ["support"]);
    const tag = `ls${crypto.randomUUID().slice(0, 8)}`;
    const early = await verifiedOwner(app, uniqueEmail(`${tag}a`));
    const late = await verifiedOwner(app, uniqueEmail(`${tag}b`));
    await env.DB.prepare("UPDATE users SET created_at = ? WHERE id = ?")
      .bind(Date.parse("2020-01-02T10:00:00Z"), early.userId)
      .run();
    const results = async (query: string) => {
      const res = await browser.get(`/admin/users?${query}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      return html.slice(html.indexOf('<div id="user-results">'));
    };
    const both = await results(`q=${tag}`);
    expect(both).toContain(early.email);
    expect(both).toContain(late.email);
    const byTeam = await results(`q=${tag}&teamId=${late.teamId}`);
    expect(byTeam).toContain(late.email);
    expect(byTeam).not.toContain(early.email);
    const byDay = await results(`q=${tag}&createdFrom=2020-01-02&createdTo=2020-01-02`);
    expect(byDay).toContain(early.email);
    expect(byDay).not.toContain(late.email);
    expect(byDay).toContain("1 users · page 1 of 1");
    // the filters stay in the form, so the next search keeps them
    const page = await (await browser.get(`/admin/users?q=${tag}&teamId=${late.teamId}`)).text();
    expect(page).toContain(`value="${late.teamId}"`);
  });
});
