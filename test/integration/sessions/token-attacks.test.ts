import { env } from "cloudflare:test";
import * as jose from "jose";
import { describe, expect, it } from "vitest";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  waitForMail,
} from "../../support/helpers";

type App = ReturnType<typeof testWorker>;

const ISSUER = "http://localhost:8787";
const AUDIENCE = "gatehouse";
const ME = "/api/v1/auth/me";

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  csrfToken: string;
  permissions: string[];
  user: { id: string; email: string };
  team: { id: string } | null;
  role: { id: string; name: string } | null;
}

/** Registers and verifies an owner; returns ids. */
async function verifiedOwner(app: App, email = uniqueEmail("tokatk"), password = GOOD_PASSWORD) {
  const res = await app.request("POST", "/api/v1/auth/register", {
    body: { email, password, name: "Tia", teamName: "Token Team", turnstileToken: DUMMY_TURNSTILE },
  });
  const ids = (await res.json()) as { userId: string; teamId: string };
  const [mail] = await waitForMail(app, email);
  await app.request("POST", "/api/v1/auth/verify-email", {
    body: { token: tokenFromLink(mail?.links[0] ?? "") },
  });
  return { ...ids, email, password };
}

/** name → value of the Set-Cookie headers of a response (values as sent, not decoded). */
function cookieJar(response: Response): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq > 0) jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return jar;
}

function setCookieLine(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

function cookieHeader(cookies: Record<string, string | undefined>): string {
  return Object.entries(cookies)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join("; ");
}

/** Password login → select_team → session-exchange; returns the session body, cookies and device id. */
async function signIn(app: App) {
  const owner = await verifiedOwner(app);
  // A fresh browser: no device cookie yet, so the login sets one.
  const loginRes = await app.request("POST", "/api/v1/auth/login", {
    body: { email: owner.email, password: owner.password },
    headers: { cookie: "" },
  });
  expect(loginRes.status).toBe(200);
  const loginCookies = cookieJar(loginRes);
  const step = (await loginRes.json()) as { step: string; preAuthToken: string; deviceId: string };
  expect(step.step).toBe("select_team");
  const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
  });
  expect(ex.status).toBe(200);
  const cookies = cookieJar(ex);
  const session = (await ex.json()) as SessionBody;
  return {
    owner,
    step,
    deviceId: step.deviceId,
    loginResponse: loginRes,
    loginCookies,
    exchange: ex,
    cookies,
    session,
  };
}

/** The dev signing key (private JWK) the worker signs with, read from the test bindings. */
async function realSigningKey() {
  const set = JSON.parse(env.JWT_SIGNING_KEYS ?? "") as { current: string; keys: jose.JWK[] };
  const jwk = set.keys.find((k) => k.kid === set.current);
  if (!jwk) throw new Error("no current signing key in JWT_SIGNING_KEYS");
  const privateKey = await jose.importJWK(jwk, "ES256");
  const { d: _d, ...publicJwk } = jwk;
  return { kid: set.current, jwk, publicJwk, privateKey };
}

/** Claims of a real access token, re-stamped with the app's clock. */
function accessClaims(real: jose.JWTPayload, nowSeconds: number, extra: jose.JWTPayload = {}) {
  return {
    sid: real.sid,
    team: real.team,
    role: real.role,
    permissions: real.permissions,
    platformRoles: real.platformRoles,
    sub: real.sub,
    jti: crypto.randomUUID().replaceAll("-", ""),
    iss: ISSUER,
    aud: AUDIENCE,
    iat: nowSeconds,
    exp: nowSeconds + 600,
    ...extra,
  };
}

function b64url(value: unknown): string {
  return jose.base64url.encode(typeof value === "string" ? value : JSON.stringify(value));
}

async function expectInvalidToken(response: Response, label: string) {
  expect(response.status, label).toBe(401);
  expect(response.headers.get("www-authenticate"), label).toBe('Bearer error="invalid_token"');
  const body = (await response.json()) as { code: string };
  expect(body.code, label).toBe("unauthorized");
}

describe("JWT attacks on GET /api/v1/auth/me", () => {
  it("accepts a token forged with the REAL key (positive control) and refuses every forgery", async () => {
    const app = testWorker();
    const { session } = await signIn(app);
    const real = jose.decodeJwt(session.accessToken);
    const realHeader = jose.decodeProtectedHeader(session.accessToken);
    const key = await realSigningKey();
    const now = Math.floor(app.clock.now() / 1000);
    const bearer = (token: string) =>
      app.request("GET", ME, { headers: { authorization: `Bearer ${token}` } });

    // sanity: the real token works
    expect((await bearer(session.accessToken)).status).toBe(200);

    // positive control: signed by the real key, right typ/iss/aud, live session
    const good = await new jose.SignJWT(accessClaims(real, now))
      .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "at+jwt" })
      .sign(key.privateKey);
    const goodRes = await bearer(good);
    expect(goodRes.status).toBe(200);
    expect(await goodRes.json()).toMatchObject({ user: { id: real.sub }, permissions: real.permissions });

    const attacks: [string, string][] = [];

    // alg none (with and without a signature part)
    const noneHeader = b64url({ alg: "none", typ: "at+jwt", kid: key.kid });
    const payload = b64url(accessClaims(real, now));
    attacks.push(["alg none, empty signature", `${noneHeader}.${payload}.`]);
    attacks.push(["alg none, junk signature", `${noneHeader}.${payload}.${b64url("sig")}`]);
    attacks.push([
      "alg NONE upper-case",
      `${b64url({ alg: "NONE", typ: "at+jwt", kid: key.kid })}.${payload}.`,
    ]);

    // HS256 with the public key as the HMAC secret (algorithm confusion)
    const enc = new TextEncoder();
    const x = jose.base64url.decode(String(key.publicJwk.x));
    const y = jose.base64url.decode(String(key.publicJwk.y));
    const secrets: [string, Uint8Array][] = [
      ["JWK JSON", enc.encode(JSON.stringify(key.publicJwk))],
      ["JWKS JSON of the key", enc.encode(JSON.stringify({ ...key.publicJwk, alg: "ES256", use: "sig" }))],
      ["x||y bytes", new Uint8Array([...x, ...y])],
      ["uncompressed point 04||x||y", new Uint8Array([4, ...x, ...y])],
      ["x text", enc.encode(String(key.publicJwk.x))],
    ];
    for (const [name, secret] of secrets) {
      const hs = await new jose.SignJWT(accessClaims(real, now))
        .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "at+jwt" })
        .sign(secret);
      attacks.push([`HS256 with ${name}`, hs]);
    }

    // tampered payload, original signature kept
    const [h, , s] = session.accessToken.split(".");
    attacks.push([
      "tampered sub",
      `${h}.${b64url({ ...real, sub: "00000000000000000000000000000000" })}.${s}`,
    ]);
    attacks.push([
      "tampered permissions",
      `${h}.${b64url({ ...real, permissions: ["*", "admin:*"], platformRoles: ["admin"] })}.${s}`,
    ]);
    attacks.push(["tampered exp", `${h}.${b64url({ ...real, exp: Number(real.exp) + 86400 })}.${s}`]);
    // tampered header (typ stripped) with the original signature
    attacks.push([
      "tampered header",
      `${b64url({ ...realHeader, typ: "JWT" })}.${session.accessToken.split(".")[1]}.${s}`,
    ]);
    // signature stripped
    attacks.push(["signature stripped", `${h}.${session.accessToken.split(".")[1]}.`]);

    const signReal = (claims: jose.JWTPayload, header: jose.JWTHeaderParameters) =>
      new jose.SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
    const realHeaderFor = { alg: "ES256", kid: key.kid, typ: "at+jwt" };

    // expired 10 minutes ago (beyond any clock tolerance)
    attacks.push([
      "expired",
      await signReal(accessClaims(real, now, { iat: now - 1200, exp: now - 600 }), realHeaderFor),
    ]);
    // issued in the future
    attacks.push([
      "iat 1 hour in the future",
      await signReal(accessClaims(real, now, { iat: now + 3600, exp: now + 4200 }), realHeaderFor),
    ]);
    // not yet valid
    attacks.push([
      "nbf 1 hour ahead",
      await signReal(accessClaims(real, now, { nbf: now + 3600 }), realHeaderFor),
    ]);
    // wrong issuer / audience
    attacks.push([
      "wrong issuer",
      await signReal(accessClaims(real, now, { iss: "https://evil.example" }), realHeaderFor),
    ]);
    attacks.push([
      "issuer with trailing slash",
      await signReal(accessClaims(real, now, { iss: `${ISSUER}/` }), realHeaderFor),
    ]);
    attacks.push([
      "wrong audience",
      await signReal(accessClaims(real, now, { aud: "other-service" }), realHeaderFor),
    ]);
    attacks.push([
      "pre-auth audience",
      await signReal(accessClaims(real, now, { aud: `${AUDIENCE}#pre-auth` }), realHeaderFor),
    ]);
    // missing required claims
    const { exp: _exp, ...noExp } = accessClaims(real, now);
    attacks.push(["no exp", await signReal(noExp, realHeaderFor)]);
    const { sid: _sid, ...noSid } = accessClaims(real, now);
    attacks.push(["no sid", await signReal(noSid, realHeaderFor)]);
    // wrong or missing typ
    attacks.push([
      "typ JWT",
      await signReal(accessClaims(real, now), { alg: "ES256", kid: key.kid, typ: "JWT" }),
    ]);
    attacks.push(["no typ", await signReal(accessClaims(real, now), { alg: "ES256", kid: key.kid })]);
    attacks.push([
      "typ gh-preauth+jwt",
      await signReal(accessClaims(real, now), { alg: "ES256", kid: key.kid, typ: "gh-preauth+jwt" }),
    ]);
    // kid injection
    attacks.push([
      "kid path traversal",
      await signReal(accessClaims(real, now), { alg: "ES256", kid: "../../etc/passwd", typ: "at+jwt" }),
    ]);
    attacks.push([
      "kid SQL injection",
      await signReal(accessClaims(real, now), { alg: "ES256", kid: "' OR '1'='1", typ: "at+jwt" }),
    ]);
    attacks.push([
      "unknown kid",
      await signReal(accessClaims(real, now), { alg: "ES256", kid: "unknown-key-1", typ: "at+jwt" }),
    ]);
    attacks.push(["no kid", await signReal(accessClaims(real, now), { alg: "ES256", typ: "at+jwt" })]);

    // an attacker key pair, embedded or referenced in the header
    const attacker = await jose.generateKeyPair("ES256", { extractable: true });
    const attackerJwk = await jose.exportJWK(attacker.publicKey);
    const signAttacker = (header: jose.JWTHeaderParameters) =>
      new jose.SignJWT(accessClaims(real, now)).setProtectedHeader(header).sign(attacker.privateKey);
    attacks.push(["embedded jwk", await signAttacker({ alg: "ES256", typ: "at+jwt", jwk: attackerJwk })]);
    attacks.push([
      "embedded jwk with the real kid",
      await signAttacker({
        alg: "ES256",
        typ: "at+jwt",
        kid: key.kid,
        jwk: { ...attackerJwk, kid: key.kid },
      }),
    ]);
    attacks.push([
      "jku",
      await signAttacker({
        alg: "ES256",
        typ: "at+jwt",
        kid: key.kid,
        jku: "https://evil.example/jwks.json",
      }),
    ]);
    attacks.push([
      "x5u",
      await signAttacker({ alg: "ES256", typ: "at+jwt", kid: key.kid, x5u: "https://evil.example/cert.pem" }),
    ]);
    attacks.push([
      "attacker key with the real kid",
      await signAttacker({ alg: "ES256", typ: "at+jwt", kid: key.kid }),
    ]);
    // jku/x5u headers on a token validly signed by the REAL key are refused too (RFC 8725 §3.10)
    attacks.push([
      "real key, jku header",
      await signReal(accessClaims(real, now), { ...realHeaderFor, jku: "https://evil.example/jwks.json" }),
    ]);
    attacks.push([
      "real key, embedded jwk header",
      await signReal(accessClaims(real, now), { ...realHeaderFor, jwk: key.publicJwk }),
    ]);

    // garbage
    attacks.push(["garbage", "not-a-jwt"]);
    attacks.push(["two segments", `${h}.${session.accessToken.split(".")[1]}`]);
    attacks.push(["four segments", `${session.accessToken}.xyz`]);
    attacks.push(["header not JSON", `${b64url("{{{")}.${payload}.${s}`]);
    attacks.push(["header JSON array", `${b64url([1, 2])}.${payload}.${s}`]);
    attacks.push(["payload not JSON", `${h}.${b64url("hello")}.${s}`]);
    attacks.push(["20 KB token", `${h}.${"A".repeat(20 * 1024)}.${s}`]);

    for (const [label, token] of attacks) {
      await expectInvalidToken(await bearer(token), label);
    }
  });

  it("refuses the pre-auth token and the refresh token as access tokens", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const loginRes = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    const step = (await loginRes.json()) as { preAuthToken: string; deviceId: string };
    await expectInvalidToken(
      await app.request("GET", ME, { headers: { authorization: `Bearer ${step.preAuthToken}` } }),
      "pre-auth token",
    );
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(ex.status).toBe(200);
    const session = (await ex.json()) as SessionBody;
    await expectInvalidToken(
      await app.request("GET", ME, { headers: { authorization: `Bearer ${session.refreshToken}` } }),
      "refresh token",
    );
    // a pre-auth token in the access cookie fails alike
    await expectInvalidToken(
      await app.request("GET", ME, { headers: { cookie: `__Host-access=${step.preAuthToken}` } }),
      "pre-auth token as cookie",
    );
  });

  it("refuses malformed Authorization headers with 401 invalid_token, never 5xx", async () => {
    const app = testWorker();
    const { session } = await signIn(app);
    const headers: [string, string][] = [
      ["empty header", ""],
      ["empty bearer", "Bearer "],
      ["Bearer with spaces only", "Bearer     "],
      ["Bearer, two spaces, token", `Bearer  ${session.accessToken}`],
      ["token, trailing junk", `Bearer ${session.accessToken} extra`],
      ["Basic scheme", `Basic ${btoa("a:b")}`],
      ["no scheme", session.accessToken],
      ["Bearer garbage", "Bearer garbage"],
      ["Bearer with quotes", `Bearer "${session.accessToken}"`],
      ["20 KB bearer", `Bearer ${"a".repeat(20 * 1024)}`],
      ["20 KB three-segment bearer", `Bearer ${"a".repeat(7000)}.${"b".repeat(7000)}.${"c".repeat(6500)}`],
    ];
    for (const [label, value] of headers) {
      const res = await app.request("GET", ME, { headers: { authorization: value } });
      if (res.status === 431) {
        // the runtime itself refused the header size: acceptable as long as it is a 4xx
        expect(res.status, label).toBeLessThan(500);
        continue;
      }
      await expectInvalidToken(res, label);
    }
    // no credentials at all: 401, but without an invalid_token error
    const anon = await app.request("GET", ME);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { code: string }).code).toBe("unauthorized");
  });
});

describe("cookie mode and CSRF", () => {
  it("sets __Host- cookies with the right flags", async () => {
    const app = testWorker();
    const { exchange, loginResponse } = await signIn(app);
    for (const name of ["__Host-access", "__Host-refresh", "__Host-csrf"]) {
      const line = setCookieLine(exchange, name);
      expect(line, name).toBeDefined();
      const attrs = (line ?? "").split(";").map((a) => a.trim().toLowerCase());
      expect(attrs, name).toContain("secure");
      expect(attrs, name).toContain("path=/");
      expect(attrs, name).toContain("samesite=lax");
      expect(
        attrs.some((a) => a.startsWith("domain")),
        name,
      ).toBe(false);
      if (name === "__Host-csrf") expect(attrs, name).not.toContain("httponly");
      else expect(attrs, name).toContain("httponly");
    }
    // the device cookie (set by the login that had none)
    const device = setCookieLine(loginResponse, "__Host-device");
    expect(device).toBeDefined();
    const attrs = (device ?? "").split(";").map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(["secure", "path=/", "samesite=lax", "httponly"]));
    expect(attrs.some((a) => a.startsWith("domain"))).toBe(false);
  });

  it("authenticates with cookies only and enforces the signed, session-bound CSRF token", async () => {
    const app = testWorker();
    const a = await signIn(app);
    const b = await signIn(app);
    const access = a.cookies["__Host-access"];
    const csrf = a.cookies["__Host-csrf"];
    expect(access).toBe(a.session.accessToken);
    expect(csrf).toBeDefined();
    expect(decodeURIComponent(csrf ?? "")).toBe(a.session.csrfToken);
    const otherCsrf = b.cookies["__Host-csrf"];
    expect(otherCsrf).toBeDefined();
    expect(otherCsrf).not.toBe(csrf);

    const jar = {
      "__Host-access": access,
      "__Host-refresh": a.cookies["__Host-refresh"],
      "__Host-csrf": csrf,
    };
    const withCookies = (
      cookies: Record<string, string | undefined>,
      extra: Record<string, string> = {},
    ) => ({
      headers: { cookie: cookieHeader(cookies), ...extra },
    });

    // safe method: no CSRF header needed
    const me = await app.request("GET", ME, withCookies(jar));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email: a.owner.email } });

    const expectCsrfFailed = async (res: Response, label: string) => {
      expect(res.status, label).toBe(403);
      expect(((await res.json()) as { code: string }).code, label).toBe("csrf_failed");
    };

    await expectCsrfFailed(await app.request("POST", "/api/v1/auth/logout", withCookies(jar)), "no header");
    await expectCsrfFailed(
      await app.request(
        "POST",
        "/api/v1/auth/logout",
        withCookies(jar, { "x-csrf-token": "random-string-123" }),
      ),
      "random header",
    );
    const forged = `${jose.base64url.encode(crypto.getRandomValues(new Uint8Array(16)))}.${jose.base64url.encode(
      crypto.getRandomValues(new Uint8Array(32)),
    )}`;
    await expectCsrfFailed(
      await app.request(
        "POST",
        "/api/v1/auth/logout",
        withCookies({ ...jar, "__Host-csrf": forged }, { "x-csrf-token": forged }),
      ),
      "header equal to a forged cookie",
    );
    await expectCsrfFailed(
      await app.request(
        "POST",
        "/api/v1/auth/logout",
        withCookies(
          { ...jar, "__Host-csrf": otherCsrf },
          { "x-csrf-token": decodeURIComponent(otherCsrf ?? "") },
        ),
      ),
      "CSRF token of another user's session",
    );
    await expectCsrfFailed(
      await app.request(
        "POST",
        "/api/v1/auth/logout",
        withCookies(
          { ...jar, "__Host-csrf": undefined },
          {
            "x-csrf-token": decodeURIComponent(csrf ?? ""),
          },
        ),
      ),
      "header without cookie",
    );

    // DELETE of a session with cookies and no CSRF header
    const sid = String(jose.decodeJwt(a.session.accessToken).sid);
    await expectCsrfFailed(
      await app.request("DELETE", `/api/v1/auth/sessions/${sid}`, withCookies(jar)),
      "DELETE session without CSRF",
    );

    // none of the refused requests ended the session
    expect((await app.request("GET", ME, withCookies(jar))).status).toBe(200);

    // the right header
    const out = await app.request(
      "POST",
      "/api/v1/auth/logout",
      withCookies(jar, { "x-csrf-token": decodeURIComponent(csrf ?? "") }),
    );
    expect(out.status).toBe(204);
    await expectInvalidToken(await app.request("GET", ME, withCookies(jar)), "access cookie after logout");

    // the other user's session is untouched
    expect(
      (await app.request("GET", ME, { headers: { authorization: `Bearer ${b.session.accessToken}` } }))
        .status,
    ).toBe(200);
  });

  it("exempts bearer requests from CSRF", async () => {
    const app = testWorker();
    const { session } = await signIn(app);
    const out = await app.request("POST", "/api/v1/auth/logout", {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(out.status).toBe(204);
    await expectInvalidToken(
      await app.request("GET", ME, { headers: { authorization: `Bearer ${session.accessToken}` } }),
      "bearer after logout",
    );
  });
});

describe("refresh via cookie", () => {
  it("rotates the pair from the __Host-refresh and __Host-device cookies with no body", async () => {
    const app = testWorker();
    const { cookies, loginCookies, deviceId, session } = await signIn(app);
    expect(loginCookies["__Host-device"]).toBe(deviceId);
    app.clock.advance(5_000);
    const res = await app.request("POST", "/api/v1/auth/refresh", {
      headers: {
        cookie: cookieHeader({
          "__Host-refresh": cookies["__Host-refresh"],
          "__Host-device": loginCookies["__Host-device"],
        }),
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const fresh = cookieJar(res);
    expect(fresh["__Host-access"]).toBeDefined();
    expect(fresh["__Host-refresh"]).toBeDefined();
    expect(fresh["__Host-csrf"]).toBeDefined();
    expect(fresh["__Host-access"]).not.toBe(cookies["__Host-access"]);
    expect(fresh["__Host-refresh"]).not.toBe(cookies["__Host-refresh"]);
    const body = (await res.json()) as SessionBody;
    expect(body.accessToken).toBe(fresh["__Host-access"]);
    expect(body.refreshToken).toBe(fresh["__Host-refresh"]);
    expect(jose.decodeJwt(body.accessToken).sid).toBe(jose.decodeJwt(session.accessToken).sid);
    const me = await app.request("GET", ME, {
      headers: { cookie: `__Host-access=${fresh["__Host-access"]}` },
    });
    expect(me.status).toBe(200);
  });
});

describe("JWKS", () => {
  it("publishes the public signing key, which verifies an issued access token", async () => {
    const app = testWorker();
    const res = await app.request("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const jwks = (await res.json()) as jose.JSONWebKeySet;
    const key = await realSigningKey();
    const published = jwks.keys.find((k) => k.kid === key.kid);
    expect(published).toBeDefined();
    expect(published).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", x: key.jwk.x, y: key.jwk.y });
    for (const k of jwks.keys) expect(k).not.toHaveProperty("d");

    const { owner, session } = await signIn(app);
    const { payload, protectedHeader } = await jose.jwtVerify(
      session.accessToken,
      jose.createLocalJWKSet(jwks),
      { issuer: ISSUER, audience: AUDIENCE, currentDate: new Date(app.clock.now()) },
    );
    expect(protectedHeader).toMatchObject({ alg: "ES256", kid: key.kid, typ: "at+jwt" });
    for (const claim of ["iss", "aud", "sub", "sid", "team", "role", "permissions", "jti", "iat", "exp"]) {
      expect(payload, claim).toHaveProperty(claim);
    }
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: owner.userId,
      team: owner.teamId,
      role: "Owner",
      permissions: ["*"],
    });
    expect(typeof payload.sid).toBe("string");
    expect(typeof payload.jti).toBe("string");
    expect(Number(payload.exp) - Number(payload.iat)).toBe(600);
  });
});
