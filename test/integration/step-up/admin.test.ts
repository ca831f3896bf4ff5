import { describe, expect, it } from "vitest";
import { ACR_MFA } from "../../../src/auth/principal";
import { platformSession } from "../../support/admin";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { claimsOf, LONG_TOKENS, MINUTE, stepUp } from "./support";

const CHALLENGE_MFA =
  'Bearer error="insufficient_user_authentication", acr_values="urn:gatehouse:acr:mfa", max_age=600';

describe("step-up on platform administration", () => {
  it("an admin write with an old admin authentication → the mfa challenge; reads stay open; a code steps up", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const admin = await platformSession(app, ["admin"]);
    const target = await verifiedOwner(app, uniqueEmail("target"));
    // Just signed in with two factors: an admin write passes at once.
    const unlock = await admin.call("POST", `/api/v1/admin/users/${target.userId}/unlock`, {
      reason: "check",
    });
    expect(unlock.status).toBe(204);

    app.clock.advance(11 * MINUTE);
    const writes = [
      admin.call("POST", `/api/v1/admin/users/${target.userId}/lock`, { reason: "abuse report 42" }),
      admin.call("POST", "/api/v1/admin/signing-keys/rotate", { reason: "scheduled" }),
      admin.call("POST", `/api/v1/admin/users/${target.userId}/roles`, {
        roles: ["support"],
        reason: "on call",
      }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(CHALLENGE_MFA);
    }
    expect((await admin.call("GET", "/api/v1/admin/users")).status).toBe(200);
    expect((await admin.call("GET", "/api/v1/admin/signing-keys")).status).toBe(200);

    expect((await stepUp(app, admin.accessToken, { password: admin.password })).status).toBe(401);
    const stepped = await stepUp(app, admin.accessToken, { code: admin.code() });
    expect(stepped.status).toBe(200);
    const tokens = (await stepped.json()) as { accessToken: string };
    const claims = claimsOf(tokens.accessToken);
    expect(claims.acr).toBe(ACR_MFA);
    expect(claims.platformRoles).toEqual(["admin"]);
    const lock = await admin.call("POST", `/api/v1/admin/users/${target.userId}/lock`, {
      reason: "abuse report 42",
    });
    expect(lock.status).toBe(204);
  });

  it("a support user who may not write gets 403, not a challenge", async () => {
    const app = testWorker({ env: LONG_TOKENS });
    const support = await platformSession(app, ["support"]);
    const target = await verifiedOwner(app, uniqueEmail("target"));
    app.clock.advance(11 * MINUTE);
    const res = await support.call("DELETE", `/api/v1/admin/users/${target.userId}`, { reason: "gone" });
    expect(res.status).toBe(403);
  });
});
