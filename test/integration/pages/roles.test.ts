import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { memberSession, ownerSession, roleId } from "../../support/teams";

type App = ReturnType<typeof testWorker>;
type Caller = { email: string; call: (method: string, path: string) => Promise<Response> };

async function signedInBrowser(app: App, user: Caller) {
  expect((await user.call("POST", "/api/v1/auth/logout")).status).toBe(204);
  const browser = pageBrowser(app);
  expect((await browser.post("/login", { email: user.email, password: GOOD_PASSWORD })).status).toBe(303);
  return browser;
}

const csrfOf = (browser: ReturnType<typeof pageBrowser>) => browser.jar.get("__Host-csrf") ?? "";

async function storedRole(teamId: string, name: string) {
  return env.DB.prepare("SELECT id, permissions, inherits_role_id FROM roles WHERE team_id = ? AND name = ?")
    .bind(teamId, name)
    .first<{ id: string; permissions: string; inherits_role_id: string | null }>();
}

describe("pages: /teams/:id/roles", () => {
  it("the owner creates a custom role inheriting Developer, edits it, sees refusals next to the field, and deletes it", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}/roles`;
    const developer = await roleId(owner.teamId, "Developer");

    const page = await (await browser.get(base)).text();
    for (const name of ["Owner", "Manager", "Developer"]) expect(page).toContain(`<strong>${name}</strong>`);
    expect(page).toContain('name="perm:*"');
    expect(page).toContain('name="perm:members:*"');
    // Built-in roles have no editor.
    expect(page).not.toContain(`action="${base}/${developer}"`);

    const empty = await browser.post(base, { csrf: csrfOf(browser), name: " ", "perm:team:read": "on" });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Enter a role name.");

    const created = await browser.post(base, {
      csrf: csrfOf(browser),
      name: "Support",
      inherits: developer,
      "perm:members:invite": "on",
    });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe(`${base}?done=created`);
    const row = await storedRole(owner.teamId, "Support");
    expect(JSON.parse(row?.permissions ?? "[]")).toEqual(["members:invite"]);
    expect(row?.inherits_role_id).toBe(developer);
    const listed = await (await browser.get(`${base}?done=created`)).text();
    expect(listed).toContain("Role created.");
    expect(listed).toContain(`action="${base}/${row?.id}"`);
    // Its effective permissions include what Developer grants.
    expect(listed).toMatch(/In effect \(with inherited permissions\): [^<]*resources:\*/);

    const taken = await browser.post(base, {
      csrf: csrfOf(browser),
      name: "Support",
      "perm:team:read": "on",
    });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain("A role with this name already exists in the team.");

    const saved = await browser.post(`${base}/${row?.id}`, {
      csrf: csrfOf(browser),
      name: "Support desk",
      inherits: "",
      "perm:events:*": "on",
      "perm:members:read": "on",
    });
    expect(saved.status).toBe(303);
    const edited = await storedRole(owner.teamId, "Support desk");
    expect(JSON.parse(edited?.permissions ?? "[]").sort()).toEqual(["events:*", "members:read"]);
    expect(edited?.inherits_role_id).toBeNull();

    const deleted = await browser.post(`${base}/${row?.id}/delete`, { csrf: csrfOf(browser) });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe(`${base}?done=deleted`);
    expect(await storedRole(owner.teamId, "Support desk")).toBeNull();
  });

  it("a Manager is not offered `*` and cannot grant it; a Developer cannot open the page", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const base = `/teams/${owner.teamId}/roles`;

    const managerBrowser = await signedInBrowser(app, manager);
    const page = await (await managerBrowser.get(base)).text();
    expect(page).not.toContain('name="perm:*"');
    expect(page).not.toContain('name="perm:billing:manage"');
    expect(page).toContain('name="perm:members:*"');
    const escalation = await managerBrowser.post(base, {
      csrf: csrfOf(managerBrowser),
      name: "Everything",
      "perm:*": "on",
    });
    expect(escalation.status).toBe(403);
    expect(await storedRole(owner.teamId, "Everything")).toBeNull();

    const devBrowser = await signedInBrowser(app, dev);
    expect((await devBrowser.get(base)).status).toBe(403);
    const refused = await devBrowser.post(base, {
      csrf: csrfOf(devBrowser),
      name: "X",
      "perm:team:read": "on",
    });
    expect(refused.status).toBe(403);
  });
});
