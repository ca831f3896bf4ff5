import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IoMeter } from "../../../bench/io-meter";
import { signIn, testWorker, verifiedOwner } from "../../support/helpers";

/** A worker whose D1 binding counts its round trips (each query, each batch: one). */
function meteredWorker() {
  const meter = new IoMeter();
  const app = testWorker({ env: { DB: meter.wrap(env.DB, "d1") } });
  return { app, meter };
}

async function meOf(app: ReturnType<typeof testWorker>, meter: IoMeter, accessToken: string) {
  meter.calls = {};
  const res = await app.request("GET", "/api/v1/auth/me", {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return { res, d1: meter.calls.d1 ?? 0 };
}

describe("GET /api/v1/auth/me: one D1 round trip", () => {
  it("a team session: user, team, role, permissions, mfa and platform roles from one query", async () => {
    const { app, meter } = meteredWorker();
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const teams = (await (
      await app.request("GET", "/api/v1/teams", {
        headers: { authorization: `Bearer ${session.accessToken}` },
      })
    ).json()) as { items: { id: string; slug: string; name: string; role: { id: string; name: string } }[] };
    const team = teams.items.find((t) => t.id === owner.teamId);

    const { res, d1 } = await meOf(app, meter, session.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      user: { id: owner.userId, email: owner.email, name: "Lin", emailVerified: true },
      team: { id: owner.teamId, slug: team?.slug, name: "Login Team" },
      role: { id: team?.role.id, name: team?.role.name },
      permissions: ["*"],
      mfaEnabled: false,
      platformRoles: [],
    });
    expect(d1).toBe(1);
  });

  it("a session without a team: team and role null, still one round trip", async () => {
    const { app, meter } = meteredWorker();
    const owner = await verifiedOwner(app);
    const session = await signIn(app, owner.email, owner.password, null);
    const { res, d1 } = await meOf(app, meter, session.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      user: { id: owner.userId, email: owner.email, name: "Lin", emailVerified: true },
      team: null,
      role: null,
      permissions: [],
      mfaEnabled: false,
      platformRoles: [],
    });
    expect(d1).toBe(1);
  });
});
