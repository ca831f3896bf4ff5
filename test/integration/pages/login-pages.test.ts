import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { ownerSession } from "../../support/teams";

describe("pages: layout, stylesheet and CSP", () => {
  it("the login page links one fingerprinted stylesheet, served immutable, under a nonce CSP without unsafe-inline", async () => {
    const app = testWorker();
    const browser = pageBrowser(app);
    const first = await browser.get("/login");
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<label for="f-email">Email address</label>');
    expect(html).toContain('<label for="f-password">Password</label>');
    expect(html).toContain('name="rememberMe"');
    expect(html).not.toMatch(/<style|style=|\son[a-z]+=/i);
    const href = /<link rel="stylesheet" href="(\/assets\/app\.[0-9a-f]{8}\.css)"/.exec(html)?.[1];
    expect(href).toBeDefined();

    const csp = first.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("style-src 'self'");
    const second = await browser.get("/login");
    expect(second.headers.get("content-security-policy")).not.toContain(`'nonce-${nonce}'`);

    const css = await app.request("GET", href ?? "");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(css.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const sheet = await css.text();
    expect(sheet).toContain("prefers-color-scheme: dark");
    expect(sheet).toContain("--primary");
    expect((await app.request("GET", "/assets/app.00000000.css")).status).toBe(404);
  });
});

describe("pages: /login", () => {
  it("a wrong password answers the login page again with the API's copy and the address kept", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const res = await pageBrowser(app).post("/login", { email: owner.email, password: "wrong-password-1" });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("Email or password is incorrect.");
    expect(html).toContain(`value="${owner.email}"`);
  });

  it("one team: the form post signs in with the API's cookies and redirects to the account page", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const browser = pageBrowser(app);
    const res = await browser.post("/login", {
      email: owner.email,
      password: owner.password,
      rememberMe: "true",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/account");
    const cookies = res.headers.getSetCookie().join("\n");
    expect(cookies).toMatch(/__Host-access=[^;]+;.*HttpOnly/);
    expect(cookies).toMatch(/__Host-refresh=[^;]+;.*Max-Age=\d+/);
    expect(cookies).toMatch(/__Host-csrf=/);
    const account = await browser.get("/account");
    expect(account.status).toBe(200);
    const html = await account.text();
    expect(html).toContain(owner.email);
    expect(html).toContain("Login Team");
  });

  it("the account page without a session redirects to /login", async () => {
    const res = await pageBrowser(testWorker()).get("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
  });

  it("a form post from another origin is refused", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const res = await pageBrowser(app).post(
      "/login",
      { email: owner.email, password: owner.password },
      { origin: "https://evil.example" },
    );
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().join("\n")).not.toContain("__Host-access");
    const crossSite = await pageBrowser(app).post(
      "/login",
      { email: owner.email, password: owner.password },
      { origin: "null", "sec-fetch-site": "cross-site" },
    );
    expect(crossSite.status).toBe(403);
    const sameOrigin = await pageBrowser(app).post(
      "/login",
      { email: owner.email, password: owner.password },
      { origin: "null", "sec-fetch-site": "same-origin" },
    );
    expect(sameOrigin.status).toBe(303);
  });

  it("several teams: /login/team lists them (pre-auth token in an HttpOnly cookie) and the choice signs in", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const created = await owner.call("POST", "/api/v1/teams", { name: "Second Team" });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { id: string };
    expect((await owner.call("POST", "/api/v1/auth/logout")).status).toBe(204);

    const browser = pageBrowser(app);
    const res = await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login/team");
    expect(res.headers.getSetCookie().join("\n")).toMatch(
      /__Host-preauth=[^;]+;.*HttpOnly.*SameSite=Strict/i,
    );
    expect(browser.jar.has("__Host-access")).toBe(false);

    const picker = await browser.get("/login/team");
    expect(picker.status).toBe(200);
    const html = await picker.text();
    expect(html).toContain("Login Team");
    expect(html).toContain("Second Team");

    const chosen = await browser.post("/login/team", { teamId: second.id });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get("location")).toBe("/account");
    expect(browser.jar.has("__Host-preauth")).toBe(false);
    expect(await (await browser.get("/account")).text()).toContain("Second Team");
  });

  it("/login/team without a login in progress starts again at /login", async () => {
    const res = await pageBrowser(testWorker()).get("/login/team");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?expired=1");
  });
});
