import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ACR_MFA } from "../../../src/auth/principal";
import { testWorker, uniqueEmail, verifiedOwner, waitForMail } from "../../support/helpers";
import { as, ownerSession } from "../../support/teams";
import {
  activityOutcomes,
  claimsOf,
  createKey,
  enableTwoFactor,
  LONG_TOKENS,
  MINUTE,
  setRisk,
  sidOf,
  stepUp,
} from "./support";

const CHALLENGE = 'Bearer error="insufficient_user_authentication", max_age=600';
const CHALLENGE_MFA =
  'Bearer error="insufficient_user_authentication", acr_values="urn:gatehouse:acr:mfa", max_age=600';

describe("step-up authentication (RFC 9470)", () => {
  it("an old authentication: the exact challenge, then a password step-up, then the action succeeds", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    expect((await createKey(app, owner.accessToken, owner.teamId)).status).toBe(201);
    app.clock.advance(11 * MINUTE);

    const refused = await createKey(app, owner.accessToken, owner.teamId);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(await refused.json()).toMatchObject({
      code: "insufficient_user_authentication",
      detail: "Please confirm it's you to continue.",
      maxAge: 600,
      acrValues: null,
    });
    // Reads are not sensitive.
    expect((await owner.call("GET", `/api/v1/teams/${owner.teamId}/api-keys`)).status).toBe(200);

    const stepped = await stepUp(app, owner.accessToken, { password: owner.password });
    expect(stepped.status).toBe(200);
    expect(stepped.headers.get("cache-control")).toBe("no-store");
    const tokens = (await stepped.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
    expect(tokens.expiresIn).toBe(900);
    expect(sidOf(tokens.accessToken)).toBe(sidOf(owner.accessToken));
    const claims = claimsOf(tokens.accessToken);
    expect(claims.auth_time).toBe(Math.floor(app.clock.now() / 1000));
    expect(claims.amr).toEqual(["pwd"]);
    // still bound to the session's client, like the token it replaces
    expect(claims.bnd).toBe(claimsOf(owner.accessToken).bnd);
    expect(typeof claims.bnd).toBe("string");

    expect((await createKey(app, tokens.accessToken, owner.teamId)).status).toBe(201);
    // The new refresh token continues the same session; the one it replaced is retired.
    const refreshed = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: tokens.refreshToken, deviceId: owner.deviceId },
    });
    expect(refreshed.status).toBe(200);
    expect(sidOf(((await refreshed.json()) as { accessToken: string }).accessToken)).toBe(
      sidOf(owner.accessToken),
    );
    const old = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: owner.refreshToken, deviceId: owner.deviceId },
    });
    expect(old.status).toBe(401);

    expect(await activityOutcomes(owner.userId)).toContain("step_up");
    const audit = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_logs WHERE action = 'session.stepped_up' AND actor_id = ?",
    )
      .bind(owner.userId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
  });

  it("a user with 2FA must step up with a code: the password alone is refused with acr_values mfa", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    const code = await enableTwoFactor(app, owner.accessToken);
    // Enrolling proved a second factor in this session: no step-up at once.
    const regenerated = await owner.call("POST", "/api/v1/auth/2fa/recovery-codes", {
      password: owner.password,
    });
    expect(regenerated.status).toBe(200);

    app.clock.advance(11 * MINUTE);
    const refused = await createKey(app, owner.accessToken, owner.teamId);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(CHALLENGE_MFA);
    expect(await refused.json()).toMatchObject({ acrValues: ACR_MFA, maxAge: 600 });

    const withPassword = await stepUp(app, owner.accessToken, { password: owner.password });
    expect(withPassword.status).toBe(401);
    expect(withPassword.headers.get("www-authenticate")).toBe(CHALLENGE_MFA);
    expect((await withPassword.json()) as { code: string }).toMatchObject({
      code: "insufficient_user_authentication",
    });

    const wrong = await stepUp(app, owner.accessToken, { code: "000000" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe("invalid_code");
    expect(await activityOutcomes(owner.userId)).toContain("step_up_failed");

    const stepped = await stepUp(app, owner.accessToken, { code: code() });
    expect(stepped.status).toBe(200);
    const tokens = (await stepped.json()) as { accessToken: string };
    expect(claimsOf(tokens.accessToken)).toMatchObject({ acr: ACR_MFA, amr: ["pwd", "otp", "mfa"] });
    expect((await createKey(app, tokens.accessToken, owner.teamId)).status).toBe(201);
  });

  it("a risky session of a 2FA user must use a second factor even when fresh", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    const code = await enableTwoFactor(app, owner.accessToken);
    // A later password-only login (as a trusted device gives), scored risky by the risk engine.
    await env.DB.prepare("UPDATE sessions SET amr = 'pwd' WHERE id = ?").bind(sidOf(owner.accessToken)).run();
    await setRisk(sidOf(owner.accessToken), 60);
    const refused = await createKey(app, owner.accessToken, owner.teamId);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(CHALLENGE_MFA);
    expect((await stepUp(app, owner.accessToken, { password: owner.password })).status).toBe(401);
    app.clock.advance(MINUTE); // the enrolment's code was used once; a TOTP code never works twice
    const stepped = await stepUp(app, owner.accessToken, { code: code() });
    expect(stepped.status).toBe(200);
    expect((await createKey(app, owner.accessToken, owner.teamId)).status).toBe(201);
  });

  it("a risky session of a user without 2FA re-proves the password in the session, and the owner is mailed", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    await setRisk(sidOf(owner.accessToken), 45);
    // Fresh, but the login's own password is what the risk engine doubted.
    const refused = await createKey(app, owner.accessToken, owner.teamId);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(CHALLENGE);
    // A code it does not have is no proof: the password is asked for.
    const withCode = await stepUp(app, owner.accessToken, { code: "123456" });
    expect(withCode.status).toBe(422);
    app.clock.advance(1000); // a moment after the login (the test clock stands still otherwise)
    const stepped = await stepUp(app, owner.accessToken, { password: owner.password });
    expect(stepped.status).toBe(200);
    expect((await createKey(app, owner.accessToken, owner.teamId)).status).toBe(201);
    const [alert] = await waitForMail(app, owner.email, { template: "security_alert" });
    expect(alert?.text).toContain("from a sign-in we found unusual");
  });

  it("a wrong password on step-up counts toward the lockout (its mail too)", async () => {
    const app = testWorker({ env: { ...LONG_TOKENS, LOCKOUT_THRESHOLD: "3" } });
    const owner = await ownerSession(app);
    for (let i = 0; i < 3; i += 1) {
      const wrong = await stepUp(app, owner.accessToken, { password: "not-the-password-1" });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { code: string }).code).toBe("invalid_credentials");
    }
    const user = await env.DB.prepare("SELECT failed_login_count, locked_until FROM users WHERE id = ?")
      .bind(owner.userId)
      .first<{ failed_login_count: number; locked_until: number | null }>();
    expect(user?.failed_login_count).toBe(3);
    expect(user?.locked_until).toBeGreaterThan(app.clock.now());
    await waitForMail(app, owner.email, { template: "lockout" });
    // Locked: even the right password is refused, like a wrong one.
    const right = await stepUp(app, owner.accessToken, { password: owner.password });
    expect(right.status).toBe(401);
    const outcomes = await activityOutcomes(owner.userId);
    expect(outcomes.filter((o) => o === "step_up_failed")).toHaveLength(2);
    expect(outcomes).toContain("locked");
  });

  it("a session revoked in D1 cannot act sensitively even while its access token is live at the edge", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    await env.DB.prepare("UPDATE sessions SET revoked_at = ?, revoked_reason = 'test' WHERE id = ?")
      .bind(app.clock.now(), sidOf(owner.accessToken))
      .run();
    // The edge (KV) has not heard yet: a plain read still passes.
    expect((await owner.call("GET", "/api/v1/auth/me")).status).toBe(200);
    const refused = await createKey(app, owner.accessToken, owner.teamId);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    const change = await owner.call("POST", "/api/v1/auth/change-password", {
      currentPassword: owner.password,
      newPassword: "another-long-passphrase-77",
    });
    expect(change.status).toBe(401);
    expect((await stepUp(app, owner.accessToken, { password: owner.password })).status).toBe(401);
  });

  it("a cookie client steps up with the CSRF header and gets the session's new cookies", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await verifiedOwner(app, uniqueEmail("cookie"));
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: owner.password },
    });
    const step = (await login.json()) as { preAuthToken: string; deviceId: string };
    const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId, deviceId: step.deviceId },
    });
    const csrf = ((await exchange.json()) as { csrfToken: string }).csrfToken;
    const cookie = [
      `__Host-device=${step.deviceId}`,
      ...exchange.headers.getSetCookie().map((line) => line.split(";")[0] ?? ""),
    ].join("; ");
    const withoutCsrf = await app.request("POST", "/api/v1/auth/step-up", {
      headers: { cookie },
      body: { password: owner.password },
    });
    expect(withoutCsrf.status).toBe(403);
    const stepped = await app.request("POST", "/api/v1/auth/step-up", {
      headers: { cookie, "x-csrf-token": csrf },
      body: { password: owner.password },
    });
    expect(stepped.status).toBe(200);
    const set = stepped.headers.getSetCookie();
    expect(set.some((c) => c.startsWith("__Host-access="))).toBe(true);
    expect(set.some((c) => c.startsWith("__Host-refresh="))).toBe(true);
  });

  it("API keys never step up", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    const created = (await (await createKey(app, owner.accessToken, owner.teamId)).json()) as { key: string };
    const res = await stepUp(app, created.key, { password: owner.password });
    expect(res.status).toBe(403);
  });

  it("the other sensitive routes answer the challenge: change password, 2FA, ownership, team deletion", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const owner = await ownerSession(app);
    const other = await verifiedOwner(app, uniqueEmail("other"));
    app.clock.advance(11 * MINUTE);
    const call = as(app, owner.accessToken);
    const attempts = [
      call("POST", "/api/v1/auth/change-password", {
        currentPassword: owner.password,
        newPassword: "another-long-passphrase-77",
      }),
      call("POST", "/api/v1/auth/2fa/enable-init", {}),
      call("POST", `/api/v1/teams/${owner.teamId}/ownership-transfer`, { toUserId: other.userId }),
      call("DELETE", `/api/v1/teams/${owner.teamId}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(CHALLENGE);
    }
  });
});
