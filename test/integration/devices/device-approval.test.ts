import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signIn, testWorker, verifiedOwner, waitForMail } from "../../support/helpers";

type App = ReturnType<typeof testWorker>;

async function login(app: App, email: string, password: string) {
  const res = await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
  expect(res.status).toBe(200);
  return (await res.json()) as { step: string; preAuthToken: string; deviceId: string };
}

async function deviceStep(app: App, preAuthToken: string, code: string, trustDevice = false) {
  return app.request("POST", "/api/v1/auth/login/device", { body: { preAuthToken, code, trustDevice } });
}

async function latestCode(app: App, email: string, count: number): Promise<string> {
  const mails = await waitForMail(app, email, { template: "device_code", count });
  return mails[0]?.codes[0] ?? "";
}

describe("device approval", () => {
  it("trusts the first device, asks a second device for the mailed code, and remembers it when asked", async () => {
    const a = testWorker();
    const owner = await verifiedOwner(a);
    const first = await signIn(a, owner.email, owner.password, owner.teamId);
    const list = (await (
      await a.request("GET", "/api/v1/auth/trusted-devices", {
        headers: { authorization: `Bearer ${first.accessToken}` },
      })
    ).json()) as { items: { id: string; name: string }[] };
    expect(list.items).toHaveLength(1);

    const b = testWorker({ clock: a.clock });
    const step = await login(b, owner.email, owner.password);
    expect(step.step).toBe("device_approval");
    const code = await latestCode(b, owner.email, 1);
    expect(code).toMatch(/^\d{6}$/);

    // no skipping to the session
    const skip = await b.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: step.preAuthToken, teamId: owner.teamId },
    });
    expect(skip.status).toBe(403);

    const wrong = await deviceStep(b, step.preAuthToken, code === "000000" ? "000001" : "000000");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: "invalid_code", detail: "Invalid security code." });
    const ok = await deviceStep(b, step.preAuthToken, code, true);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { step: string }).step).toBe("select_team");
    // the old pre-auth token cannot redo a passed step
    expect((await deviceStep(b, step.preAuthToken, code)).status).toBe(403);
    // the trusted device skips approval next time
    expect((await login(b, owner.email, owner.password)).step).toBe("select_team");
    const activity = await env.DB.prepare(
      "SELECT count(*) AS n FROM login_events WHERE user_id = ? AND outcome = 'device_approval'",
    )
      .bind(owner.userId)
      .first<{ n: number }>();
    expect(activity?.n).toBe(2); // the wrong code and the approval
  });

  it("voids the challenge after 5 wrong codes: even the right code then fails, a new login gets a new code", async () => {
    const a = testWorker();
    const owner = await verifiedOwner(a);
    await signIn(a, owner.email, owner.password, owner.teamId);
    const b = testWorker({ clock: a.clock });
    const step = await login(b, owner.email, owner.password);
    const code = await latestCode(b, owner.email, 1);
    const wrong = code === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) expect((await deviceStep(b, step.preAuthToken, wrong)).status).toBe(401);
    expect((await deviceStep(b, step.preAuthToken, code)).status).toBe(401);

    const again = await login(b, owner.email, owner.password);
    expect(again.step).toBe("device_approval");
    const fresh = await latestCode(b, owner.email, 2);
    const ok = await deviceStep(b, again.preAuthToken, fresh);
    expect(ok.status).toBe(200);
    // a code works once
    expect((await deviceStep(b, again.preAuthToken, fresh)).status).toBe(401);
    // not trusted (trustDevice was not asked): the next login from b needs approval again
    expect((await login(b, owner.email, owner.password)).step).toBe("device_approval");
  });

  it("expires codes after 5 minutes", async () => {
    const a = testWorker();
    const owner = await verifiedOwner(a);
    await signIn(a, owner.email, owner.password, owner.teamId);
    const b = testWorker({ clock: a.clock });
    const step = await login(b, owner.email, owner.password);
    const code = await latestCode(b, owner.email, 1);
    a.clock.advance(5 * 60_000 + 1000);
    expect((await deviceStep(b, step.preAuthToken, code)).status).toBe(401);
  });

  it("a revoked device needs approval again", async () => {
    const a = testWorker();
    const owner = await verifiedOwner(a);
    const session = await signIn(a, owner.email, owner.password, owner.teamId);
    const headers = { authorization: `Bearer ${session.accessToken}` };
    const list = (await (await a.request("GET", "/api/v1/auth/trusted-devices", { headers })).json()) as {
      items: { id: string }[];
    };
    const id = list.items[0]?.id ?? "";
    expect(
      (await a.request("POST", "/api/v1/auth/trusted-devices/revoke", { headers, body: { deviceId: id } }))
        .status,
    ).toBe(204);
    expect(
      (await a.request("POST", "/api/v1/auth/trusted-devices/revoke", { headers, body: { deviceId: id } }))
        .status,
    ).toBe(404);
    // only a user's very first session trusts its device by itself: the revoked device is asked again
    expect((await login(a, owner.email, owner.password)).step).toBe("device_approval");
  });
});
