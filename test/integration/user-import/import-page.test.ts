import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { ownerSession } from "../../support/teams";
import { chunksOf, csv, deliver, staffSession } from "./support";

type App = ReturnType<typeof testWorker>;

/** The admin signs in on the pages (password, then the TOTP step) after ending the API session. */
async function adminBrowser(app: App) {
  const admin = await staffSession(app, "admin");
  const logout = await app.request("POST", "/api/v1/auth/logout", {
    headers: { authorization: `Bearer ${admin.accessToken}` },
  });
  expect(logout.status).toBe(204);
  app.clock.advance(30_000);
  const browser = pageBrowser(app);
  const login = await browser.post("/login", { email: admin.email, password: admin.password });
  expect(login.headers.get("location")).toBe("/login/mfa");
  const mfa = await browser.post("/login/mfa", { code: admin.code() });
  expect(mfa.status).toBe(303);
  return { admin, browser };
}

/** A multipart form post, as a browser sends a file input (same origin, cookies of the jar). */
function postFile(app: App, browser: ReturnType<typeof pageBrowser>, fields: Record<string, string | File>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const request = new Request("http://localhost/admin/import", { method: "POST", body: form });
  return (async () => {
    const body = await request.arrayBuffer();
    return app.request("POST", "/admin/import", {
      body: new TextDecoder().decode(body),
      headers: {
        accept: "text/html",
        "content-type": request.headers.get("content-type") ?? "",
        origin: "http://localhost",
        cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
  })();
}

describe("pages: /admin/import", () => {
  it("uploads a CSV without JavaScript, then shows progress (HTTP refresh) and the per-row errors", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const { browser } = await adminBrowser(app);
    const form = await browser.get("/admin/import");
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('enctype="multipart/form-data"');
    expect(html).toContain('name="csrf"');
    const csrf = browser.jar.get("__Host-csrf") ?? "";

    const invited = uniqueEmail("page");
    const file = new File(
      [
        csv([
          [invited, "Page", owner.teamId, "Developer"],
          ["bad", "", owner.teamId, "Developer"],
        ]),
      ],
      "users.csv",
      {
        type: "text/csv",
      },
    );
    const noCsrf = await postFile(app, browser, { file });
    expect(noCsrf.status).toBe(403);
    const posted = await postFile(app, browser, { csrf, file });
    expect(posted.status).toBe(303);
    const location = posted.headers.get("location") ?? "";
    expect(location).toMatch(/^\/admin\/import\/.+/);
    const jobId = decodeURIComponent(location.split("/").pop() ?? "");

    const running = await browser.get(location);
    expect(running.status).toBe(200);
    const runningHtml = await running.text();
    if (/Status: <strong>(Queued|Running)/.test(runningHtml))
      expect(running.headers.get("refresh")).toBe("2");
    await deliver(app, await chunksOf(jobId));
    const done = await browser.get(location);
    expect(done.headers.get("refresh")).toBeNull();
    const doneHtml = await done.text();
    expect(doneHtml).toContain("Status: <strong>Done</strong>");
    expect(doneHtml).toMatch(/Invited<\/th><td>1<\/td>/);
    expect(doneHtml).toContain("<code>invalid_email</code>");

    const bad = await postFile(app, browser, {
      csrf,
      file: new File(["mail,name\r\nx,y"], "bad.csv", { type: "text/csv" }),
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("The first row must be the header: email,name,team,role");
  });

  it("is not offered to support (403) and sends the signed-out to /login", async () => {
    const app = testWorker();
    expect((await pageBrowser(app).get("/admin/import")).status).toBe(303);
    const support = await staffSession(app, "support");
    expect(
      (
        await app.request("POST", "/api/v1/auth/logout", {
          headers: { authorization: `Bearer ${support.accessToken}` },
        })
      ).status,
    ).toBe(204);
    app.clock.advance(30_000);
    const browser = pageBrowser(app);
    await browser.post("/login", { email: support.email, password: support.password });
    expect((await browser.post("/login/mfa", { code: support.code() })).status).toBe(303);
    expect((await browser.get("/admin/import")).status).toBe(403);
  });
});
