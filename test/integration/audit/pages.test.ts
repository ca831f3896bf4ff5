import { describe, expect, it } from "vitest";
import { adminBrowser } from "../../support/admin";
import { testClock, testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { marker, seedAuditRows } from "./support";

describe("/admin/audit", () => {
  it("filters without JavaScript, pages with the cursor and links the exports with the same filters", async () => {
    const app = testWorker();
    const { browser } = await adminBrowser(app, ["support"]);
    const m = marker();
    await seedAuditRows({
      count: 60,
      prefix: `p${m}`,
      baseAt: Date.now() - 5000,
      teamId: m,
      reason: "<b>x</b>",
    });
    const first = await browser.get(`/admin/audit?teamId=${m}&actor=`);
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain('aria-current="page"');
    expect(html.match(/<tr>/g)?.length).toBe(51); // the header row and 50 entries
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;"); // escaped, never markup
    expect(html).toContain(`/api/v1/admin/audit-logs/export?teamId=${m}&amp;format=csv`);
    expect(html).toContain(`/api/v1/admin/audit-logs/export?teamId=${m}&amp;format=jsonl`);
    const next = /href="(\/admin\/audit\?teamId=[^"]+&amp;cursor=[^"]+)"/.exec(html)?.[1];
    expect(next).toBeDefined();
    const second = await (await browser.get((next ?? "").replaceAll("&amp;", "&"))).text();
    expect(second.match(/<tr>/g)?.length).toBe(11);
    expect(second).not.toContain("Older entries");
    // the export link works from the page's cookie session
    const csv = await browser.get(`/api/v1/admin/audit-logs/export?teamId=${m}&format=csv`);
    expect(csv.status).toBe(200);
    expect((await csv.text()).split("\r\n").length).toBe(62); // header, 60 rows, final empty
    const bad = await browser.get("/admin/audit?from=yesterday");
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/aria-invalid="true" aria-describedby="f-from-error f-from-hint"/);
  });

  it("is not offered to billing_admin (403) and sends the signed-out to the login", async () => {
    const app = testWorker();
    const { browser } = await adminBrowser(app, ["billing_admin"]);
    expect((await browser.get("/admin/audit")).status).toBe(403);
    expect((await browser.get("/admin/analytics")).status).toBe(403);
    const anonymous = pageBrowser(app);
    const res = await anonymous.get("/admin/audit");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain("/login");
  });
});

describe("/admin/analytics", () => {
  it("shows the totals and the daily series as a server-rendered SVG chart, and refuses a bad range", async () => {
    const app = testWorker({ clock: testClock(Date.parse("2031-09-15T10:00:00Z")) });
    const { browser } = await adminBrowser(app, ["admin"]);
    const res = await browser.get("/admin/analytics?from=2031-09-01&to=2031-09-15");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("2031-09-01 to 2031-09-15");
    expect(html).toMatch(
      /<svg[^>]*role="img"[^>]*aria-label="Sign-ins per day from 2031-09-01 to 2031-09-15/,
    );
    expect(html.match(/<polyline/g)?.length).toBe(2);
    expect(html).not.toMatch(/<script(?! nonce)/);
    // the admin's own sign-in today is the one success on the chart's last day
    expect(html).toContain("<td>2031-09-15</td><td>1</td>");
    const bad = await browser.get("/admin/analytics?from=2030-01-01&to=2031-09-15");
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Ask for at most 366 days.");
  });
});
