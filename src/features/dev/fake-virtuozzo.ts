/**
 * A fake Virtuozzo (Jelastic) API: one pure `Request → Response` handler with no imports and no Node or Workers
 * APIs beyond fetch's types, so the workerd tests inject it as the outbound fetch (test/integration/virtuozzo)
 * and Node serves it over HTTP (scripts/fake-virtuozzo.mjs, started by `npm run dev` and the bench). Only
 * erasable TypeScript syntax: Node 22 runs this file as is.
 *
 * It implements the calls Gatehouse makes, as the public documentation describes them (`/1.0/<service>/<sub>/
 * rest/<method>`, form or query parameters, JSON with `result` 0 or an error code): signin, signout, checksign,
 * getuserinfo, getaccount. Knobs: latency, failures (HTTP 500, unreachable, malformed JSON), rejected
 * credentials, session expiry, each account's `groupType`, personal access tokens; counters per method.
 * `/__fake/state` (GET) and `/__fake/config` (POST JSON) read and change it over HTTP (the Node server).
 */

export type FakeFailure = "none" | "http_500" | "unreachable" | "bad_json";

export interface FakeAccount {
  password: string;
  groupType: string;
  email: string;
  uid: number;
}

export interface FakeVirtuozzoOptions {
  /** Accounts by login; default: dev@example.com (billing) and trial@example.com (trial). */
  accounts?: Record<string, FakeAccount>;
  /** Personal access tokens → the login they act for. */
  tokens?: Record<string, string>;
  /** The clock sessions expire by (tests pass their injected clock). */
  now?: () => number;
  /** How long a signed-in session lives, ms (default 24 h). */
  sessionLifetimeMs?: number;
  latencyMs?: number;
}

export interface FakeCounts {
  signin: number;
  signout: number;
  checksign: number;
  getuserinfo: number;
  getaccount: number;
}

export const FAKE_DEV_ACCOUNTS: Record<string, FakeAccount> = {
  "dev@example.com": {
    password: "dev-virtuozzo-password",
    groupType: "billing",
    email: "dev@example.com",
    uid: 1001,
  },
  "trial@example.com": {
    password: "trial-virtuozzo-password",
    groupType: "trial",
    email: "trial@example.com",
    uid: 1002,
  },
};
export const FAKE_DEV_TOKENS: Record<string, string> = { "vz-dev-personal-access-token": "dev@example.com" };

/** The result codes the fake answers with (8202 = permission denied, as the documentation says). */
export const FAKE_RESULTS = {
  ok: 0,
  permissionDenied: 8202,
  badCredentials: 702,
  invalidSession: 701,
} as const;

export function createFakeVirtuozzo(options: FakeVirtuozzoOptions = {}) {
  const now = options.now ?? (() => Date.now());
  // Copies: a test that changes an account's password must not change the next fake's.
  const accounts: Record<string, FakeAccount> = Object.fromEntries(
    Object.entries(options.accounts ?? FAKE_DEV_ACCOUNTS).map(([login, a]) => [login, { ...a }]),
  );
  const tokens: Record<string, string> = { ...(options.tokens ?? (options.accounts ? {} : FAKE_DEV_TOKENS)) };
  const sessions = new Map<string, { login: string; expiresAt: number }>();
  const counts: FakeCounts = { signin: 0, signout: 0, checksign: 0, getuserinfo: 0, getaccount: 0 };
  const config = {
    latencyMs: options.latencyMs ?? 0,
    failure: "none" as FakeFailure,
    sessionLifetimeMs: options.sessionLifetimeMs ?? 86_400_000,
  };
  let serial = 0;

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const error = (result: number, message: string) =>
    json({ result, error: message, source: "fake-virtuozzo" });

  /** The login a session key or personal access token acts for, or null. */
  function who(session: string | null): string | null {
    if (!session) return null;
    const live = sessions.get(session);
    if (live) return live.expiresAt > now() ? live.login : null;
    return tokens[session] ?? null;
  }

  async function params(request: Request, url: URL): Promise<URLSearchParams> {
    if (request.method !== "POST") return url.searchParams;
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    for (const [k, v] of url.searchParams) if (!form.has(k)) form.set(k, v);
    return form;
  }

  async function api(method: string, p: URLSearchParams): Promise<Response> {
    switch (method) {
      case "signin": {
        counts.signin += 1;
        const account = accounts[p.get("login") ?? ""];
        if (!account || account.password !== p.get("password")) {
          return error(FAKE_RESULTS.badCredentials, "invalid login or password");
        }
        serial += 1;
        const session = `vz${serial.toString(36)}${crypto.randomUUID().replaceAll("-", "")}`;
        sessions.set(session, { login: p.get("login") ?? "", expiresAt: now() + config.sessionLifetimeMs });
        return json({ result: 0, session, uid: account.uid, email: account.email });
      }
      case "signout": {
        counts.signout += 1;
        const session = p.get("session") ?? "";
        if (!sessions.delete(session)) return error(FAKE_RESULTS.invalidSession, "session is invalid");
        return json({ result: 0 });
      }
      case "checksign": {
        counts.checksign += 1;
        return who(p.get("session"))
          ? json({ result: 0 })
          : error(FAKE_RESULTS.invalidSession, "session is invalid");
      }
      case "getuserinfo": {
        counts.getuserinfo += 1;
        const login = who(p.get("session"));
        const account = login ? accounts[login] : undefined;
        if (!account) return error(FAKE_RESULTS.permissionDenied, "permission denied");
        return json({ result: 0, email: account.email, uid: account.uid });
      }
      case "getaccount": {
        counts.getaccount += 1;
        const login = who(p.get("session"));
        const account = login ? accounts[login] : undefined;
        if (!account) return error(FAKE_RESULTS.permissionDenied, "permission denied");
        return json({ result: 0, groupType: account.groupType, uid: account.uid });
      }
      default:
        return json({ result: 404, error: "method not found", source: "fake-virtuozzo" }, 404);
    }
  }

  const ROUTES: Record<string, string> = {
    "/1.0/users/authentication/rest/signin": "signin",
    "/1.0/users/authentication/rest/signout": "signout",
    "/1.0/users/authentication/rest/checksign": "checksign",
    "/1.0/users/account/rest/getuserinfo": "getuserinfo",
    "/1.0/billing/account/rest/getaccount": "getaccount",
  };

  async function control(request: Request, path: string): Promise<Response> {
    if (path === "/__fake/config" && request.method === "POST") {
      const patch = (await request.json()) as Partial<typeof config> & { expireAll?: boolean };
      if (typeof patch.latencyMs === "number") config.latencyMs = patch.latencyMs;
      if (typeof patch.failure === "string") config.failure = patch.failure;
      if (typeof patch.sessionLifetimeMs === "number") config.sessionLifetimeMs = patch.sessionLifetimeMs;
      if (patch.expireAll) sessions.clear();
    }
    return json({ counts, config, liveSessions: sessions.size });
  }

  return {
    counts,
    config,
    accounts,
    tokens,
    /** Ends one session at once (Virtuozzo invalidated it early). */
    invalidate(session: string) {
      sessions.delete(session);
    },
    isLive(session: string) {
      return who(session) !== null && sessions.has(session);
    },
    resetCounts() {
      for (const k of Object.keys(counts) as (keyof FakeCounts)[]) counts[k] = 0;
    },
    async handle(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/__fake/")) return control(request, url.pathname);
      if (config.latencyMs > 0) await new Promise((r) => setTimeout(r, config.latencyMs));
      if (config.failure === "unreachable") throw new TypeError("fetch failed: connection refused (fake)");
      if (config.failure === "http_500") return new Response("Internal Server Error", { status: 500 });
      if (config.failure === "bad_json") return new Response("<html>maintenance</html>", { status: 200 });
      const method = ROUTES[url.pathname];
      if (!method) return json({ result: 404, error: "not found", source: "fake-virtuozzo" }, 404);
      return api(method, await params(request, url));
    },
  };
}

export type FakeVirtuozzo = ReturnType<typeof createFakeVirtuozzo>;
