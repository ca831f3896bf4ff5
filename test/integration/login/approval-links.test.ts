import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker, tokenFromLink, verifiedOwner, waitForMail } from "../../support/helpers";

/**
 * Mailed links decide nothing on GET (../shared/API.md): mail scanners open every link of a mail. Opening the
 * approve or deny link of a suspicious-login mail (GET or HEAD, HTML or JSON) only shows what it would decide;
 * the decision is the POST of the link's token (JSON, or the confirmation page's form without JavaScript).
 */
type App = ReturnType<typeof testWorker>;
type Step = { step: string; preAuthToken: string; deviceId: string };

const BERLIN_CF = { country: "DE", city: "Berlin", asn: 3320, latitude: "52.52", longitude: "13.40" };
const NEW_YORK = { "cf-ipcountry": "US", "cf-ipcity": "New York", "cf-asn": "7922" };
const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const JSON_ACCEPT = { accept: "application/json" };
const FORM = { "content-type": "application/x-www-form-urlencoded", ...HTML };

async function login(app: App, email: string, init: { headers?: Record<string, string>; cf?: object } = {}) {
  const res = await app.request("POST", "/api/v1/auth/login", {
    body: { email, password: GOOD_PASSWORD },
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.cf ? { cf: init.cf as Record<string, unknown> } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Step;
}

/** A user with one finished login from Berlin, then a login from New York waiting for approval. */
async function waitingLogin(app: App) {
  const owner = await verifiedOwner(app);
  const first = await login(app, owner.email, { cf: BERLIN_CF });
  const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: first.preAuthToken, teamId: owner.teamId, deviceId: first.deviceId },
  });
  const { accessToken } = (await ex.json()) as { accessToken: string };
  await app.request("POST", "/api/v1/auth/logout", { headers: { authorization: `Bearer ${accessToken}` } });
  const step = await login(app, owner.email, { headers: { ...NEW_YORK, "user-agent": FIREFOX } });
  expect(step.step).toBe("login_approval");
  const [mail] = await waitForMail(app, owner.email, { template: "login_approval" });
  const [approveLink, denyLink] = mail?.links ?? [];
  if (!approveLink || !denyLink) throw new Error("no approval links");
  return {
    owner,
    step,
    approveLink,
    denyLink,
    approve: tokenFromLink(approveLink),
    deny: tokenFromLink(denyLink),
  };
}

const FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

async function status(app: App, step: Step) {
  const res = await app.request("GET", "/api/v1/auth/login/status", {
    headers: { authorization: `Bearer ${step.preAuthToken}` },
  });
  return (await res.json()) as { step: string };
}

/** A path and query of a mailed absolute link, for the test worker. */
function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

async function approvalRow(app: App, userId: string) {
  return app.bindings.DB.prepare("SELECT status, decided_at FROM login_approvals WHERE user_id = ?")
    .bind(userId)
    .first<{ status: string; decided_at: number | null }>();
}

describe("suspicious-login links decide nothing on GET", () => {
  it("GET and HEAD of both links, as JSON and as a page, leave the login undecided; POST then decides once", async () => {
    const app = testWorker();
    const { owner, step, approveLink, denyLink, approve, deny } = await waitingLogin(app);

    for (const link of [approveLink, denyLink]) {
      for (const headers of [HTML, JSON_ACCEPT, {}]) {
        expect((await app.request("GET", pathOf(link), { headers })).status).toBe(200);
        const head = await app.request("HEAD", pathOf(link), { headers });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe("");
      }
    }
    expect(await status(app, step)).toMatchObject({ step: "login_approval" });
    expect(await approvalRow(app, owner.userId)).toEqual({ status: "pending", decided_at: null });

    // The JSON preview: what the link would decide, for which login.
    const preview = await app.request("GET", pathOf(denyLink), { headers: JSON_ACCEPT });
    expect(preview.headers.get("cache-control")).toContain("no-store");
    expect(await preview.json()).toEqual({
      action: "deny",
      status: "pending",
      login: {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        location: "New York, US",
        device: "Firefox on Windows",
        ip: app.ip,
      },
    });

    // The page: the login's time, place and device, and one button posting the token — no script.
    const page = await app.request("GET", pathOf(approveLink), { headers: HTML });
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("New York, US");
    expect(html).toContain("Firefox on Windows");
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/api\/v1\/auth\/login\/approve"/);
    expect(html).toContain(`name="token" value="${approve}"`);
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);

    // The decision is the POST; after it, both links are used up.
    const decided = await app.request("POST", "/api/v1/auth/login/approve", { body: { token: approve } });
    expect(decided.status).toBe(200);
    expect(await decided.json()).toEqual({ status: "approved" });
    expect(await status(app, step)).toMatchObject({ step: "select_team" });
    const again = await app.request("POST", "/api/v1/auth/login/approve", { body: { token: approve } });
    expect(again.status).toBe(409);
    const other = await app.request("POST", "/api/v1/auth/login/deny", { body: { token: deny } });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: "login_already_decided" });

    // Opening a link afterwards says what happened and offers no button.
    expect(await (await app.request("GET", pathOf(denyLink), { headers: JSON_ACCEPT })).json()).toMatchObject(
      {
        action: "deny",
        status: "approved",
      },
    );
    expect(await (await app.request("GET", pathOf(approveLink), { headers: HTML })).text()).not.toContain(
      "<form",
    );
  });

  it("a scanner opening both links leaves the deny link working; the deny keeps its reset offer", async () => {
    const app = testWorker();
    const { step, approveLink, denyLink, deny } = await waitingLogin(app);
    await app.request("GET", pathOf(approveLink));
    await app.request("HEAD", pathOf(denyLink));
    const denied = await app.request("POST", "/api/v1/auth/login/deny", { body: { token: deny } });
    expect(denied.status).toBe(200);
    expect(await denied.json()).toEqual({
      status: "denied",
      resetUrl: expect.stringContaining("/forgot-password"),
    });
    expect(await status(app, step)).toEqual({ step: "denied" });
  });

  it("the page's form posts form-encoded without JavaScript and gets a page back; a second post is 409", async () => {
    const app = testWorker();
    const { owner, step, deny } = await waitingLogin(app);
    const body = `token=${encodeURIComponent(deny)}`;
    const res = await app.request("POST", "/api/v1/auth/login/deny", { body, headers: FORM });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Sign-in denied");
    expect(html).toContain("/forgot-password");
    expect(await status(app, step)).toEqual({ step: "denied" });
    expect(await approvalRow(app, owner.userId)).toMatchObject({ status: "denied" });

    const twice = await app.request("POST", "/api/v1/auth/login/deny", { body, headers: FORM });
    expect(twice.status).toBe(409);
    expect(twice.headers.get("content-type")).toContain("text/html");
    expect(await twice.text()).toContain("already");

    // JSON clients posting the form encoding get JSON.
    const json = await app.request("POST", "/api/v1/auth/login/approve", {
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ code: "invalid_token" });
  });

  it("unknown, malformed and expired links are 400 invalid_token on GET and POST; other media types stay 415", async () => {
    const app = testWorker();
    const { approve, approveLink } = await waitingLogin(app);
    const unknown = "A".repeat(43);
    for (const path of ["/api/v1/auth/login/approve", "/api/v1/auth/login/deny"]) {
      const get = await app.request("GET", `${path}?token=${unknown}`);
      expect(get.status).toBe(400);
      expect(await get.json()).toMatchObject({ code: "invalid_token" });
      const page = await app.request("GET", `${path}?token=short`, { headers: HTML });
      expect(page.status).toBe(400);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect((await app.request("POST", path, { body: { token: unknown } })).status).toBe(400);
      expect((await app.request("POST", path, { body: {} })).status).toBe(422);
      const text = await app.request("POST", path, {
        body: "token=x",
        headers: { "content-type": "text/plain" },
      });
      expect(text.status).toBe(415);
    }
    // The form exception is only for these two routes.
    const other = await app.request("POST", "/api/v1/auth/login", {
      body: "email=a%40b.c&password=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(other.status).toBe(415);

    app.clock.advance(16 * 60_000);
    expect((await app.request("GET", pathOf(approveLink))).status).toBe(400);
    const late = await app.request("POST", "/api/v1/auth/login/approve", { body: { token: approve } });
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ code: "invalid_token" });
  });

  it("the OpenAPI document shows the POST routes with both body media types", async () => {
    const app = testWorker();
    const doc = (await (await app.request("GET", "/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    for (const path of ["/api/v1/auth/login/approve", "/api/v1/auth/login/deny"]) {
      expect(Object.keys(doc.paths[path]?.post?.requestBody?.content ?? {}).sort()).toEqual([
        "application/json",
        "application/x-www-form-urlencoded",
      ]);
      expect(doc.paths[path]?.get).toBeDefined();
    }
  });
});
