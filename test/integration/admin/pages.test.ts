import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminBrowser } from "../../support/admin";
import { testWorker, uniqueEmail, verifiedOwner, waitForMail } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

describe("admin pages", () => {
  it("support: the landing page offers what the role may open; the users search works without JavaScript", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { browser } = await adminBrowser(app, ["support"]);
    const landing = await browser.get("/admin");
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain('href="/admin/users"');
    expect(html).toContain('href="/admin/audit"');
    expect(html).not.toContain('href="/admin/import"');

    const tag = `pg${crypto.randomUUID().slice(0, 8)}`;
    const target = await verifiedOwner(app, uniqueEmail(tag));
    const search = await browser.get(`/admin/users?q=${tag}&status=&sort=email&order=asc`);
    expect(search.status).toBe(200);
    const table = await search.text();
    expect(table).toContain(target.email);
    expect(table).toContain(`href="/admin/users/${target.userId}"`);
    expect(table).toContain("1 users · page 1 of 1");
    expect((await browser.get("/admin/users?status=nope")).status).toBe(422);

    // the detail offers support's actions only (no lock, 2FA reset, roles or erasure)
    const detail = await (await browser.get(`/admin/users/${target.userId}`)).text();
    expect(detail).toContain("/confirm/revoke-sessions");
    expect(detail).not.toContain("/confirm/lock");
    expect(detail).not.toContain("/confirm/roles");
    expect(detail).not.toContain("/confirm/erase");
    expect((await browser.get(`/admin/users/${target.userId}/confirm/lock`)).status).toBe(403);
  });

  it("admin: lock behind a confirmation that asks for the reason (CSRF field), then the user page says so", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const { browser, csrf, who } = await adminBrowser(app, ["admin"]);
    const target = await verifiedOwner(app, uniqueEmail("locktarget"));
    const confirm = await browser.get(`/admin/users/${target.userId}/confirm/lock`);
    expect(confirm.status).toBe(200);
    const form = await confirm.text();
    expect(form).toContain(`action="/admin/users/${target.userId}/lock"`);
    expect(form).toContain('name="reason"');
    // without the CSRF field: refused; without a reason: the page again with the copy next to the field
    expect((await browser.post(`/admin/users/${target.userId}/lock`, { reason: "x" })).status).toBe(403);
    const empty = await browser.post(`/admin/users/${target.userId}/lock`, { csrf, reason: "" });
    expect(empty.status).toBe(422);
    const done = await browser.post(`/admin/users/${target.userId}/lock`, {
      csrf,
      reason: "abuse report 12",
    });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/admin/users/${target.userId}?done=lock`);
    const page = await (await browser.get(done.headers.get("location") ?? "")).text();
    expect(page).toContain("The account is locked.");
    expect(page).toContain("/confirm/unlock");
    await waitForMail(app, target.email, { template: "admin_account_locked" });
    const audit = await env.DB.prepare(
      "SELECT actor_id AS actorId, reason FROM audit_logs WHERE action = 'admin.user_locked' AND target_id = ?",
    )
      .bind(target.userId)
      .first();
    expect(audit).toEqual({ actorId: who.userId, reason: "abuse report 12" });
    // roles by checkboxes
    const roles = await browser.post(`/admin/users/${target.userId}/roles`, {
      csrf,
      reason: "on call",
      "role:support": "1",
    });
    expect(roles.status).toBe(303);
    const held = await env.DB.prepare("SELECT role FROM user_platform_roles WHERE user_id = ?")
      .bind(target.userId)
      .all<{ role: string }>();
    expect(held.results.map((r) => r.role)).toEqual(["support"]);
  });

  it("sends anonymous visitors to sign in", async () => {
    const app = testWorker();
    const anonymous = await pageBrowser(app).get("/admin/users");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toMatch(/^\/login/);
  });
});
