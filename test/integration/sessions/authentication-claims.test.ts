import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { ACR_MFA, ACR_PWD } from "../../../src/auth/principal";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { signIn, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

type App = ReturnType<typeof testWorker>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function claimsOf(token: string): Record<string, unknown> {
  const [, payload] = token.split(".");
  return JSON.parse(atob((payload ?? "").replaceAll("-", "+").replaceAll("_", "/"))) as Record<
    string,
    unknown
  >;
}

async function refresh(app: App, refreshToken: string, deviceId: string) {
  const res = await app.request("POST", "/api/v1/auth/refresh", { body: { refreshToken, deviceId } });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

describe("access tokens carry the session's authentication (RFC 9470 auth_time, acr; RFC 8176 amr)", () => {
  it("a password login: auth_time is the password step, amr [pwd], acr pwd; a refresh keeps them", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("claims"));
    const loginAt = Math.floor(app.clock.now() / 1000);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const first = claimsOf(session.accessToken);
    expect(first.auth_time).toBe(loginAt);
    expect(first.amr).toEqual(["pwd"]);
    expect(first.acr).toBe(ACR_PWD);
    app.clock.advance(15 * 60_000);
    const next = await refresh(app, session.refreshToken, session.deviceId);
    const later = claimsOf(next.accessToken);
    expect(later.auth_time).toBe(loginAt);
    expect(later.amr).toEqual(["pwd"]);
    expect(later.iat).toBeGreaterThan(loginAt + 15 * 60 - 1);
  });

  it("a login with a TOTP code: amr [pwd, otp, mfa], acr mfa", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await verifiedOwner(app, uniqueEmail("claims-mfa"));
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", {
      headers: bearer(session.accessToken),
    });
    const setup = (await init.json()) as { challengeId: string; secret: string };
    const secret = decodeBase32IgnorePadding(setup.secret);
    const enabled = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
      headers: bearer(session.accessToken),
      body: { challengeId: setup.challengeId, code: totpCode(secret, totpCounter(app.clock.now())) },
    });
    expect(enabled.status).toBe(200);
    app.clock.advance(60_000);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
    expect(step.step).toBe("mfa");
    const mfa = await app.request("POST", "/api/v1/auth/login/mfa", {
      body: {
        preAuthToken: step.preAuthToken,
        deviceId: step.deviceId,
        code: totpCode(secret, totpCounter(app.clock.now())),
      },
    });
    const selected = (await mfa.json()) as { preAuthToken: string };
    const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: selected.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    expect(exchange.status).toBe(200);
    const claims = claimsOf(((await exchange.json()) as { accessToken: string }).accessToken);
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(claims.acr).toBe(ACR_MFA);
  });
});
