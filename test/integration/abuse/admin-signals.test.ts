import { describe, expect, it } from "vitest";
import { platformSession } from "../../support/admin";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { as } from "../../support/teams";
import { attemptLogin, freshAsn, ipIn, LOW_THRESHOLDS, randomPrefix } from "./support";

type Signals = {
  signals: { kind: string; network: { level: string; key: string }; since: string; until: string }[];
};

/** GET /api/v1/admin/abuse/signals: platform admins and support see the signals on now. */
describe("current abuse signals for platform admins", () => {
  it("lists a stuffing signal with its network and times; a plain user is refused", async () => {
    const app = testWorker({ env: LOW_THRESHOLDS });
    const asn = freshAsn();
    for (let i = 0; i < 10; i += 1) {
      await attemptLogin(app, {
        email: uniqueEmail("listed"),
        password: `Leaked-${i}`,
        ip: ipIn(randomPrefix()),
        asn,
      });
    }
    const support = await platformSession(app, ["support"]);
    const res = await support.call("GET", "/api/v1/admin/abuse/signals");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Signals;
    const mine = body.signals.filter((s) => s.network.key === `asn:${asn}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: "credential_stuffing", network: { level: "asn" } });
    expect(Date.parse(mine[0]?.until ?? "")).toBeGreaterThan(Date.parse(mine[0]?.since ?? ""));

    const user = await verifiedOwner(app);
    const login = await app.request("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: user.password },
    });
    const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
    const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: user.teamId, deviceId: step.deviceId },
    });
    const { accessToken } = (await ex.json()) as { accessToken: string };
    const refused = await as(app, accessToken)("GET", "/api/v1/admin/abuse/signals");
    expect(refused.status).toBe(403);
  });
});
