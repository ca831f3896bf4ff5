import { env } from "cloudflare:test";
import * as jose from "jose";
import { describe, expect, it } from "vitest";
import { testWorker, verifiedOwner, waitForMail } from "../../support/helpers";

/**
 * Session binding (SESSION_BINDING; auth/session-binding.ts, docs/session-binding.md): a session recorded its
 * client's UA family, /24, ASN and country at creation; a refresh or an access token presented by a client the
 * policy refuses → 401 `session_binding_mismatch`, the session revoked, the user mailed, the event audited and
 * in the login activity. Clients are simulated with the development headers CF-ASN / CF-IPCountry.
 */
type App = ReturnType<typeof testWorker>;
type Client = Record<string, string>;

const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const SAFARI_IPHONE_UPDATED =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const CHROME_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/** A random address in a documentation-like /16, so parallel test files never share rate-limit state. */
function address(a: number, b: number) {
  const r = crypto.getRandomValues(new Uint8Array(2));
  return { ip: (third: number, host = r[1] ?? 1) => `${a}.${b}.${third}.${host}`, third: r[0] ?? 0 };
}

function client(ua: string, ip: string, asn: number | null, country: string | null): Client {
  return {
    "user-agent": ua,
    "cf-connecting-ip": ip,
    ...(asn !== null ? { "cf-asn": String(asn) } : {}),
    ...(country !== null ? { "cf-ipcountry": country } : {}),
  };
}

interface Session {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  user: { id: string; email: string };
}

/** Registers an owner and signs in from `home` (login and session-exchange from that client). */
async function signInFrom(app: App, home: Client) {
  const owner = await verifiedOwner(app);
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: owner.email, password: owner.password },
    headers: home,
  });
  const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  expect(step.step).toBe("select_team");
  const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId: null, deviceId: step.deviceId },
    headers: home,
  });
  expect(ex.status).toBe(200);
  const body = (await ex.json()) as Omit<Session, "sessionId">;
  const session: Session = { ...body, sessionId: jose.decodeJwt(body.accessToken).sid as string };
  return { owner, session, deviceId: step.deviceId };
}

function refresh(app: App, from: Client, refreshToken: string, deviceId: string) {
  return app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken, deviceId }, headers: from });
}

function me(app: App, from: Client, accessToken: string, via: "bearer" | "cookie" = "bearer") {
  const auth: Record<string, string> =
    via === "bearer"
      ? { authorization: `Bearer ${accessToken}` }
      : { cookie: `__Host-access=${accessToken}` };
  return app.request("GET", "/api/v1/auth/me", { headers: { ...from, ...auth } });
}

async function expectMismatch(response: Response) {
  expect(response.status).toBe(401);
  const body = (await response.json()) as { code: string; detail: string };
  expect(body.code).toBe("session_binding_mismatch");
  expect(body.detail).toBe(
    "This session was signed in from another device or network. Please sign in again.",
  );
}

async function sessionRow(id: string) {
  return env.DB.prepare(
    "SELECT revoked_at, revoked_reason, ua_family, net_prefix, asn, country FROM sessions WHERE id = ?",
  )
    .bind(id)
    .first<{
      revoked_at: number | null;
      revoked_reason: string | null;
      ua_family: string;
      net_prefix: string;
      asn: number | null;
      country: string | null;
    }>();
}

async function auditOf(userId: string) {
  const rows = await env.DB.prepare(
    "SELECT metadata FROM audit_logs WHERE target_id = ? AND action = 'session.binding_mismatch'",
  )
    .bind(userId)
    .all<{ metadata: string }>();
  return rows.results.map((r) => {
    const { sessionId, reason, via } = JSON.parse(r.metadata) as Record<string, unknown>;
    return { sessionId, reason, via };
  });
}

async function loginActivityOf(userId: string) {
  const rows = await env.DB.prepare(
    "SELECT outcome, reason, risk_score, risk_reasons FROM login_events WHERE user_id = ? AND outcome = 'binding_mismatch'",
  )
    .bind(userId)
    .all<{ outcome: string; reason: string; risk_score: number; risk_reasons: string }>();
  return rows.results.map((r) => ({
    outcome: r.outcome,
    reason: r.reason,
    risk: { score: r.risk_score, reasons: JSON.parse(r.risk_reasons) as string[] },
  }));
}

describe("session binding on refresh", () => {
  it("records the binding at creation", async () => {
    const app = testWorker();
    const net = address(198, 18);
    const { session, deviceId } = await signInFrom(
      app,
      client(SAFARI_IPHONE, net.ip(net.third, 7), 64500, "DE"),
    );
    expect(await sessionRow(session.sessionId)).toMatchObject({
      revoked_at: null,
      ua_family: "safari/ios",
      net_prefix: `198.18.${net.third}.0/24`,
      asn: 64500,
      country: "DE",
    });
    const claims = jose.decodeJwt(session.accessToken);
    expect(typeof claims.bnd).toBe("string");
    expect((claims.bnd as string).length).toBeLessThanOrEqual(45);
    // A refresh (from a new address of the same network) mints the same claim: the recorded binding, not the
    // refreshing client's, is what tokens carry.
    const moved = client(SAFARI_IPHONE, net.ip((net.third + 1) % 256), 64500, "DE");
    const refreshed = await refresh(app, moved, session.refreshToken, deviceId);
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Session;
    expect(jose.decodeJwt(next.accessToken).bnd).toBe(claims.bnd);
  });

  it("a stolen refresh token replayed from another UA family: refused, session revoked, user mailed, audited", async () => {
    const app = testWorker();
    const net = address(198, 19);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { owner, session, deviceId } = await signInFrom(app, home);
    // The thief copied the cookie jar (refresh token and device id) and replays it on the same network.
    const thief = client(CHROME_WINDOWS, net.ip(net.third), 64500, "DE");
    await expectMismatch(await refresh(app, thief, session.refreshToken, deviceId));

    const row = await sessionRow(session.sessionId);
    expect(row?.revoked_reason).toBe("binding_mismatch");
    // The rightful owner's own token no longer refreshes, and the access token died at the edge.
    expect((await refresh(app, home, session.refreshToken, deviceId)).status).toBe(401);
    expect((await me(app, home, session.accessToken)).status).toBe(401);

    const [mail] = await waitForMail(app, owner.email, { template: "session_binding" });
    expect(mail?.subject).toBe("Security alert: we ended a sign-in on your account");
    expect(mail?.text).toContain("Chrome on Windows");
    expect(await auditOf(session.user.id)).toEqual([
      { sessionId: session.sessionId, reason: "ua_family", via: "refresh" },
    ]);
    // Same network, another browser: the risk engine sees a new device, no IP jump.
    expect(await loginActivityOf(session.user.id)).toEqual([
      { outcome: "binding_mismatch", reason: "ua_family", risk: { score: 15, reasons: ["new_device"] } },
    ]);
  });

  it("mobile (default): replayed from another network (other ASN and country) → refused", async () => {
    const app = testWorker();
    const net = address(198, 20);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { session, deviceId } = await signInFrom(app, home);
    const abroad = client(SAFARI_IPHONE, `192.0.2.${net.third}`, 64999, "BR");
    await expectMismatch(await refresh(app, abroad, session.refreshToken, deviceId));
    expect((await sessionRow(session.sessionId))?.revoked_reason).toBe("binding_mismatch");
    expect((await auditOf(session.user.id))[0]?.reason).toBe("network");
    // Another country and network, out of the session's /24: scored with the new country and the IP jump.
    const [activity] = await loginActivityOf(session.user.id);
    expect(activity?.risk.reasons).toEqual(expect.arrayContaining(["new_country", "ip_jump"]));
    expect(activity?.risk.score).toBeGreaterThan(0);
  });

  it("mobile: a phone changing IP within its ASN, then its country, keeps working; the binding stays as recorded", async () => {
    const app = testWorker();
    const net = address(198, 21);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { session, deviceId } = await signInFrom(app, home);
    // Another /24 of the same carrier (the cell moved), a browser update on the way.
    const cell = client(SAFARI_IPHONE_UPDATED, net.ip((net.third + 1) % 256), 64500, "DE");
    const first = await refresh(app, cell, session.refreshToken, deviceId);
    expect(first.status).toBe(200);
    const next = (await first.json()) as Session;
    expect((await me(app, cell, next.accessToken)).status).toBe(200);
    // Home Wi-Fi of another provider in the same country.
    const wifi = client(SAFARI_IPHONE, `192.0.2.${net.third}`, 64777, "DE");
    const second = await refresh(app, wifi, next.refreshToken, deviceId);
    expect(second.status).toBe(200);
    expect((await me(app, wifi, ((await second.json()) as Session).accessToken)).status).toBe(200);
    // Nothing was rewritten: the session is bound to where it signed in.
    expect(await sessionRow(session.sessionId)).toMatchObject({
      revoked_at: null,
      net_prefix: `198.21.${net.third}.0/24`,
      asn: 64500,
    });
    expect(await auditOf(session.user.id)).toEqual([]);
  });

  it("strict: a /24 change within the same ASN and country → refused", async () => {
    const app = testWorker({ env: { SESSION_BINDING: "strict" } });
    const net = address(198, 22);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { session, deviceId } = await signInFrom(app, home);
    // Within the /24: fine.
    const sameNet = await refresh(
      app,
      client(SAFARI_IPHONE, net.ip(net.third, 200), 64500, "DE"),
      session.refreshToken,
      deviceId,
    );
    expect(sameNet.status).toBe(200);
    const next = (await sameNet.json()) as Session;
    const moved = client(SAFARI_IPHONE, net.ip((net.third + 1) % 256), 64500, "DE");
    await expectMismatch(await refresh(app, moved, next.refreshToken, deviceId));
    expect((await auditOf(session.user.id))[0]?.reason).toBe("net_prefix");
  });

  it("off: another UA family and network refresh and call the API", async () => {
    const app = testWorker({ env: { SESSION_BINDING: "off" } });
    const net = address(198, 23);
    const { session, deviceId } = await signInFrom(
      app,
      client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE"),
    );
    const elsewhere = client(CHROME_WINDOWS, `192.0.2.${net.third}`, 64999, "BR");
    expect((await me(app, elsewhere, session.accessToken)).status).toBe(200);
    const refreshed = await refresh(app, elsewhere, session.refreshToken, deviceId);
    expect(refreshed.status).toBe(200);
    expect((await sessionRow(session.sessionId))?.revoked_at).toBeNull();
  });
});

describe("session binding at the edge (access tokens)", () => {
  it("a valid access cookie from another UA family → refused and the session revoked", async () => {
    const app = testWorker();
    const net = address(198, 24);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { owner, session, deviceId } = await signInFrom(app, home);
    expect((await me(app, home, session.accessToken, "cookie")).status).toBe(200);
    const thief = client(CHROME_WINDOWS, net.ip(net.third), 64500, "DE");
    await expectMismatch(await me(app, thief, session.accessToken, "cookie"));
    expect((await sessionRow(session.sessionId))?.revoked_reason).toBe("binding_mismatch");
    expect((await me(app, home, session.accessToken, "cookie")).status).toBe(401);
    expect((await refresh(app, home, session.refreshToken, deviceId)).status).toBe(401);
    await waitForMail(app, owner.email, { template: "session_binding" });
    expect(await auditOf(session.user.id)).toEqual([
      { sessionId: session.sessionId, reason: "ua_family", via: "cookie" },
    ]);
  });

  it("a page opened with the access cookie from another UA family ends the session and goes to /login", async () => {
    const app = testWorker();
    const net = address(198, 28);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { session } = await signInFrom(app, home);
    const cookie = `__Host-access=${session.accessToken}`;
    const own = await app.request("GET", "/account/security", { headers: { ...home, cookie } });
    expect(own.status).toBe(200);
    const thief = client(CHROME_WINDOWS, net.ip(net.third), 64500, "DE");
    const page = await app.request("GET", "/account/security", { headers: { ...thief, cookie } });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    expect(page.headers.getSetCookie().some((c) => c.startsWith("__Host-access=;"))).toBe(true);
    expect((await sessionRow(session.sessionId))?.revoked_reason).toBe("binding_mismatch");
    expect(await auditOf(session.user.id)).toEqual([
      { sessionId: session.sessionId, reason: "ua_family", via: "cookie" },
    ]);
  });

  it("a bearer token from another network is held to the binding too", async () => {
    const app = testWorker();
    const net = address(198, 25);
    const { session } = await signInFrom(app, client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE"));
    await expectMismatch(
      await me(app, client(SAFARI_IPHONE, `192.0.2.${net.third}`, 64999, "BR"), session.accessToken),
    );
    expect((await auditOf(session.user.id))[0]).toMatchObject({ reason: "network", via: "bearer" });
  });

  it("a token minted before the bnd claim existed passes", async () => {
    const app = testWorker();
    const net = address(198, 26);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const { session } = await signInFrom(app, home);
    const set = JSON.parse(env.JWT_SIGNING_KEYS ?? "") as { current: string; keys: jose.JWK[] };
    const jwk = set.keys.find((k) => k.kid === set.current) as jose.JWK;
    const { bnd: _bnd, ...claims } = jose.decodeJwt(session.accessToken);
    const legacy = await new jose.SignJWT({ ...claims, jti: crypto.randomUUID().replaceAll("-", "") })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: set.current })
      .sign(await jose.importJWK(jwk, "ES256"));
    const thief = client(CHROME_WINDOWS, `192.0.2.${net.third}`, 64999, "BR");
    expect((await me(app, thief, legacy)).status).toBe(200);
    expect((await sessionRow(session.sessionId))?.revoked_at).toBeNull();
  });

  it("adds no storage read to an authenticated request (KV and D1 calls counted, binding on vs off)", async () => {
    const net = address(198, 27);
    const home = client(SAFARI_IPHONE, net.ip(net.third), 64500, "DE");
    const counted = (policy: "mobile" | "off") => {
      const calls = { kv: 0, d1: 0 };
      const count = <T extends object>(binding: T, key: "kv" | "d1") =>
        new Proxy(binding, {
          get(target, prop) {
            const value = Reflect.get(target, prop) as unknown;
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              calls[key] += 1;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
      return { calls, env: { SESSION_BINDING: policy, KV: count(env.KV, "kv"), DB: count(env.DB, "d1") } };
    };
    const app = testWorker();
    const { session } = await signInFrom(app, home);
    const measure = async (policy: "mobile" | "off") => {
      const c = counted(policy);
      const worker = testWorker({ clock: app.clock, env: c.env });
      expect((await me(worker, home, session.accessToken)).status).toBe(200); // warm the isolate's caches
      c.calls.kv = 0;
      c.calls.d1 = 0;
      expect((await me(worker, home, session.accessToken)).status).toBe(200);
      return { ...c.calls };
    };
    const off = await measure("off");
    const on = await measure("mobile");
    expect(on).toEqual(off);
    expect(on.kv).toBeGreaterThan(0); // the counters see the revocation read, so they do count
  });
});
