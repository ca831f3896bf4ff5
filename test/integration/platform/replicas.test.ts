import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BOOKMARK_COOKIE_MAX_AGE, parseBookmark } from "../../../src/http/middleware/d1-bookmark";
import { isReadPath } from "../../../src/http/read-path";
import { parseConfig } from "../../../src/platform/config";
import { createContext } from "../../../src/platform/context";
import { GOOD_PASSWORD, testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { ownerSession } from "../../support/teams";

/** What local D1 (miniflare) answers for a bookmark: four hex groups; bookmarks sort oldest first. */
const LOCAL_BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** env.DB, recording where each request's session started and how many statements went to the plain binding. */
function recordingD1(real: D1Database) {
  const log = { sessions: [] as string[], plain: 0 };
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "withSession") {
        return (start?: string) => {
          log.sessions.push(start ?? "(none)");
          return target.withSession(start);
        };
      }
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "prepare" || prop === "batch") log.plain += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { db, log };
}

/** A worker over a recording binding, warmed up (its first request runs the admin bootstrap), log cleared. */
async function recordedWorker() {
  const recorder = recordingD1(env.DB);
  const app = testWorker({ env: { DB: recorder.db } });
  await app.request("GET", "/health");
  recorder.log.sessions.length = 0;
  recorder.log.plain = 0;
  return { app, log: recorder.log };
}

describe("the Sessions API in local D1", () => {
  it("opens sessions from a constraint or a bookmark; a bookmark appears after the first query and grows with a write", async () => {
    const session = env.DB.withSession("first-unconstrained");
    expect(session.getBookmark()).toBeNull();
    await session.prepare("SELECT 1").first();
    const read = session.getBookmark();
    expect(read).toMatch(LOCAL_BOOKMARK);
    await session.prepare("UPDATE users SET updated_at = updated_at WHERE id = 'nobody'").run();
    const written = session.getBookmark() ?? "";
    expect(written > (read ?? "")).toBe(true);
    const resumed = env.DB.withSession(written);
    await resumed.prepare("SELECT 1").first();
    expect((resumed.getBookmark() ?? "") >= written).toBe(true);
  });
});

describe("where a request's D1 session starts", () => {
  it("a read path without a bookmark starts unconstrained and answers its bookmark in a header", async () => {
    const { app, log } = await recordedWorker();
    const owner = await ownerSession(app);
    log.sessions.length = 0;
    const res = await owner.call("GET", "/api/v1/auth/me");
    expect(res.status).toBe(200);
    expect(log.sessions).toEqual(["first-unconstrained"]);
    expect(res.headers.get("x-d1-bookmark")).toMatch(LOCAL_BOOKMARK);
  });

  it("a write's bookmark carried by the next read (header) starts that read from it; the answer is not older", async () => {
    const { app, log } = await recordedWorker();
    const owner = await ownerSession(app);
    log.sessions.length = 0;
    const created = await owner.call("POST", "/api/v1/teams", { name: "Replica Team" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(log.sessions).toEqual(["first-primary"]);
    const written = created.headers.get("x-d1-bookmark") ?? "";
    expect(written).toMatch(LOCAL_BOOKMARK);

    log.sessions.length = 0;
    const list = await app.request("GET", "/api/v1/teams", {
      headers: { authorization: `Bearer ${owner.accessToken}`, "x-d1-bookmark": written },
    });
    expect(list.status).toBe(200);
    expect(log.sessions).toEqual([written]);
    const teams = (await list.json()) as { items?: { id: string }[] } | { id: string }[] as unknown;
    expect(JSON.stringify(teams)).toContain(id);
    expect((list.headers.get("x-d1-bookmark") ?? "") >= written).toBe(true);
  });

  it("the bookmark cookie: set HttpOnly/Secure/Lax for 10 minutes, and read back by a read path", async () => {
    const { app, log } = await recordedWorker();
    const owner = await ownerSession(app);
    // The test client sends its device cookie: it speaks cookies, so the answer sets the bookmark cookie.
    const created = await owner.call("POST", "/api/v1/teams", { name: "Cookie Team" });
    const setCookie = created.headers.getSetCookie().find((h) => h.startsWith("__Host-d1-bookmark="));
    expect(setCookie).toBeDefined();
    const value = /^__Host-d1-bookmark=([^;]+)/.exec(setCookie ?? "")?.[1] ?? "";
    expect(value).toBe(created.headers.get("x-d1-bookmark"));
    expect(setCookie).toContain(`Max-Age=${BOOKMARK_COOKIE_MAX_AGE}`);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Path=/");

    log.sessions.length = 0;
    const list = await app.request("GET", "/api/v1/teams", {
      headers: {
        authorization: `Bearer ${owner.accessToken}`,
        cookie: `__Host-device=${app.deviceId}; __Host-d1-bookmark=${value}`,
      },
    });
    expect(list.status).toBe(200);
    expect(log.sessions).toEqual([value]);
  });

  it("a browser's post/redirect/get: the POST's bookmark cookie starts the page's GET, which shows the write", async () => {
    const { app, log } = await recordedWorker();
    const owner = await ownerSession(app);
    expect((await owner.call("POST", "/api/v1/auth/logout")).status).toBe(204);
    const browser = pageBrowser(app);
    expect((await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD })).status).toBe(303);
    const created = await browser.post("/teams", {
      csrf: browser.jar.get("__Host-csrf") ?? "",
      name: "Bookmarked Team",
    });
    expect(created.status).toBe(303);
    const bookmark = browser.jar.get("__Host-d1-bookmark") ?? "";
    expect(bookmark).toBe(created.headers.get("x-d1-bookmark"));
    log.sessions.length = 0;
    const page = await browser.get(created.headers.get("location") ?? "/teams");
    expect(page.status).toBe(200);
    expect(log.sessions).toEqual([bookmark]);
    expect(await page.text()).toContain("Bookmarked Team");
  });

  it("a route that is not a read path starts on the primary, whatever bookmark it brings", async () => {
    const { app, log } = await recordedWorker();
    const owner = await ownerSession(app);
    const me = await owner.call("GET", "/api/v1/auth/me");
    const bookmark = me.headers.get("x-d1-bookmark") ?? "";
    log.sessions.length = 0;
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      headers: { "x-d1-bookmark": bookmark },
      body: { refreshToken: owner.refreshToken, deviceId: owner.deviceId },
    });
    expect(refreshed.status).toBe(200);
    expect(log.sessions).toEqual(["first-primary"]);
    expect((refreshed.headers.get("x-d1-bookmark") ?? "") >= bookmark).toBe(true);
  });

  it("ignores a malformed bookmark (starts unconstrained, never an error)", async () => {
    const { app, log } = await recordedWorker();
    const owner = await ownerSession(app);
    for (const bad of ["<script>", "x".repeat(201), "first-primary", "a b", "ünïcode"]) {
      log.sessions.length = 0;
      const res = await app.request("GET", "/api/v1/auth/me", {
        headers: {
          authorization: `Bearer ${owner.accessToken}`,
          "x-d1-bookmark": bad.replace(/[^\x20-\x7e]/g, "?"),
          cookie: `__Host-device=${app.deviceId}; __Host-d1-bookmark=${encodeURIComponent(bad)}`,
        },
      });
      expect(res.status).toBe(200);
      expect(log.sessions).toEqual(["first-unconstrained"]);
    }
  });

  it("a request that never touches D1 opens no session and answers no bookmark", async () => {
    const { app, log } = await recordedWorker();
    const res = await app.request("GET", "/health");
    expect(res.status).toBe(200);
    expect(log.sessions).toEqual([]);
    expect(res.headers.get("x-d1-bookmark")).toBeNull();
    expect(res.headers.getSetCookie().some((h) => h.startsWith("__Host-d1-bookmark="))).toBe(false);
  });

  it("cron and background work use the plain binding (the primary), never a session", async () => {
    const { app, log } = await recordedWorker();
    const execution = createExecutionContext();
    await app.worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), app.bindings, execution);
    await waitOnExecutionContext(execution);
    expect(log.sessions).toEqual([]);
    expect(log.plain).toBeGreaterThan(0);

    // What a queue consumer does: a context built outside any request.
    const parsed = parseConfig(app.bindings);
    if (!parsed.ok) throw new Error("config");
    const ctx = createContext(
      { now: Date.now, random: (n) => new Uint8Array(n), fetch },
      {
        env: app.bindings,
        config: parsed.config,
      },
    );
    log.plain = 0;
    await ctx.db.$client.prepare("SELECT 1").first();
    expect(ctx.d1).toBeNull();
    expect(log.plain).toBe(1);
    expect(log.sessions).toEqual([]);
  });
});

describe("the read-path list and the bookmark's shape", () => {
  it("marks the lists, the admin search, /auth/me, the login's password step and the pages' GETs — and nothing that decides a credential", () => {
    expect(isReadPath("POST", "/api/v1/auth/login")).toBe(true);
    expect(isReadPath("GET", "/api/v1/auth/me")).toBe(true);
    expect(isReadPath("GET", "/api/v1/teams/t1/members")).toBe(true);
    expect(isReadPath("GET", "/api/v1/admin/users")).toBe(true);
    expect(isReadPath("HEAD", "/teams/t1/roles")).toBe(true);
    expect(isReadPath("GET", "/admin/users")).toBe(true);
    for (const [method, path] of [
      ["POST", "/api/v1/auth/refresh"],
      ["POST", "/api/v1/auth/session-exchange"],
      ["POST", "/api/v1/auth/login/mfa"],
      ["POST", "/api/v1/auth/step-up"],
      ["GET", "/api/v1/teams/t1/members/u1/extra"],
      ["PATCH", "/api/v1/teams/t1"],
      ["GET", "/verify-email"],
      ["GET", "/reset-password"],
      ["GET", "/login/approval/status"],
      ["POST", "/login"],
    ] as const) {
      expect(isReadPath(method, path), `${method} ${path}`).toBe(false);
    }
  });

  it("accepts D1's bookmarks and refuses anything else", () => {
    expect(parseBookmark("00000000-00000011-00000000-00000000000000000000000000000000")).not.toBeNull();
    expect(parseBookmark("")).toBeNull();
    expect(parseBookmark("first-unconstrained")).toBeNull();
    expect(parseBookmark("a".repeat(200))).not.toBeNull();
    expect(parseBookmark("a".repeat(201))).toBeNull();
    expect(parseBookmark("abc;def")).toBeNull();
    expect(parseBookmark("-abc")).toBeNull();
  });
});
