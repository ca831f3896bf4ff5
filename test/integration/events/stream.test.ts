import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { testClock, testWorker } from "../../support/helpers";
import { as, memberSession, ownerSession, roleId } from "../../support/teams";
import { expectEnd, payload, publisherKey, subscribe, subscribed } from "./support";

describe("GET /api/v1/events", () => {
  it("delivers a backend's events to its own team's subscribers only, in order", async () => {
    const app = testWorker();
    const a = await ownerSession(app);
    const b = await ownerSession(app);
    const key = await publisherKey(a);
    const subA = await subscribed(app, { token: a.accessToken });
    const subB = await subscribed(app, { token: b.accessToken });

    const first = await as(app, key.key)("POST", `/api/v1/teams/${a.teamId}/events`, {
      type: "deploy.started",
      data: { env: "prod" },
    });
    expect(first.status).toBe(202);
    const { id: firstId } = (await first.json()) as { id: string };
    const second = await as(app, key.key)("POST", `/api/v1/teams/${a.teamId}/events`, {
      type: "deploy.finished",
      data: { env: "prod", ok: true },
    });
    const { id: secondId } = (await second.json()) as { id: string };
    expect(Number(secondId)).toBeGreaterThan(Number(firstId));

    const m1 = await subA.client.nextEvent();
    const m2 = await subA.client.nextEvent();
    expect([m1?.id, m1?.event, m2?.id, m2?.event]).toEqual([
      firstId,
      "deploy.started",
      secondId,
      "deploy.finished",
    ]);
    expect(payload(m1)).toMatchObject({ type: "deploy.started", data: { env: "prod" }, source: "team" });
    expect(new Date(payload(m2).time).toISOString()).toBe(payload(m2).time);
    // Team B saw nothing of it; team B's own publish is not seen by A.
    expect(await subB.client.silence()).toBeNull();
    const keyB = await publisherKey(b);
    await as(app, keyB.key)("POST", `/api/v1/teams/${b.teamId}/events`, { type: "b.only", data: {} });
    // Gatehouse's own event (the key's creation) and then the backend's, both on team B's stream only.
    const created = await subB.client.nextEvent();
    expect([created?.event, payload(created).source, payload(created).data.keyId]).toEqual([
      "api_key.created",
      "gatehouse",
      keyB.id,
    ]);
    expect((await subB.client.nextEvent())?.event).toBe("b.only");
    expect(await subA.client.silence()).toBeNull();
    // A key of team A cannot publish to team B.
    const cross = await as(app, key.key)("POST", `/api/v1/teams/${b.teamId}/events`, {
      type: "x.y",
      data: {},
    });
    expect(cross.status).toBe(403);
    await subA.client.close();
    await subB.client.close();
  });

  it("resumes from Last-Event-ID (header or query) and says reset when the id is not in the buffer", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const key = await publisherKey(owner);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await as(app, key.key)("POST", `/api/v1/teams/${owner.teamId}/events`, {
        type: "job.step",
        data: { n },
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const header = await subscribed(app, {
      token: owner.accessToken,
      headers: { "last-event-id": ids[0] as string },
    });
    const replayed = [await header.client.nextEvent(), await header.client.nextEvent()];
    expect(replayed.map((m) => [m?.id, payload(m).data.n])).toEqual([
      [ids[1], 2],
      [ids[2], 3],
    ]);
    await header.client.close();

    const query = await subscribed(app, {
      token: owner.accessToken,
      path: `/api/v1/events?lastEventId=${ids[1]}`,
    });
    expect((await query.client.nextEvent())?.id).toBe(ids[2]);
    expect(await query.client.silence()).toBeNull();
    await query.client.close();

    const unknown = await subscribed(
      app,
      { token: owner.accessToken, headers: { "last-event-id": "999999" } },
      "reset",
    );
    const reset = unknown.ready;
    expect([reset?.event, reset?.id, JSON.parse(reset?.data ?? "{}").reason]).toEqual([
      "reset",
      ids[2],
      "unknown_event_id",
    ]);
    await unknown.client.close();

    const bad = await subscribe(app, { token: owner.accessToken, headers: { "last-event-id": "abc" } });
    expect(bad.status).toBe(422);
  });

  it("says reset when the events after Last-Event-ID have left the buffer (1,000 events and 24 h kept)", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const stub = env.TEAM_EVENTS.get(env.TEAM_EVENTS.idFromName(owner.teamId));
    const t0 = app.clock.now();
    for (let i = 0; i < 1_005; i += 1)
      await stub.publish({ type: "bulk.item", data: { i }, source: "team" }, t0);
    // A day later, one more event prunes what is both beyond the last 1,000 and older than 24 h: ids 1..6.
    await stub.publish({ type: "bulk.item", data: { i: 1_005 }, source: "team" }, t0 + 25 * 3600_000);
    expect((await stub.since(0))[0]?.id).toBe(7);

    const gone = await subscribed(
      app,
      { token: owner.accessToken, headers: { "last-event-id": "2" } },
      "reset",
    );
    const reset = gone.ready;
    expect([reset?.event, JSON.parse(reset?.data ?? "{}").reason, reset?.id]).toEqual([
      "reset",
      "buffer_exceeded",
      "1006",
    ]);
    await gone.client.close();
    const kept = await subscribed(app, { token: owner.accessToken, headers: { "last-event-id": "6" } });
    expect((await kept.client.nextEvent())?.id).toBe("7");
    await kept.client.close();
  });

  it("is refused without a token (401) and without events:read (403); accepts the access cookie", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const none = await subscribe(app, {});
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toMatch(/problem\+json/);
    const readOnly = await publisherKey(owner, ["team:read"]);
    const refused = await subscribe(app, { token: readOnly.key });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe("forbidden");
    // A browser: the access cookie, no CSRF token on GET.
    const cookie = await subscribed(app, { headers: { cookie: `__Host-access=${owner.accessToken}` } });
    await cookie.client.close();
    // A team API key holding events:read may subscribe too.
    const reader = await publisherKey(owner, ["events:read"]);
    const keyStream = await subscribed(app, { token: reader.key });
    await keyStream.client.close();
  });

  it("ends the stream at logout", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const { client } = await subscribed(app, { token: owner.accessToken });
    const logout = await owner.call("POST", "/api/v1/auth/logout");
    expect(logout.status).toBeLessThan(300);
    await expectEnd(client, "revoked");
    expect((await subscribe(app, { token: owner.accessToken })).status).toBe(401);
  });

  it("ends a member's stream when they are removed from the team", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const devStream = await subscribed(app, { token: dev.accessToken });
    const ownerStream = await subscribed(app, { token: owner.accessToken });
    const removed = await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`);
    expect(removed.status).toBe(204);
    await expectEnd(devStream.client, "revoked");
    // The owner's stream lives on.
    expect(await ownerStream.client.silence(300)).not.toMatchObject({ event: "end" });
    await ownerStream.client.close();
  });

  it("ends the stream of a token whose session switched to another team", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const created = await owner.call("POST", "/api/v1/teams", { name: "Second team" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const { client } = await subscribed(app, { token: owner.accessToken });
    const switched = await owner.call("POST", "/api/v1/auth/session-exchange", { teamId: id });
    expect(switched.status).toBe(200);
    await expectEnd(client, "revoked");
  });

  it("ends at the access token's expiry", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const owner = await ownerSession(app);
    clock.advance(600_000 - 1_500); // ACCESS_TOKEN_TTL is 600 s: 1.5 s left
    const { client } = await subscribed(app, { token: owner.accessToken });
    await expectEnd(client, "expired");
  });

  it("ends a member's stream when their role changes (the token's permissions are stale)", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const { client } = await subscribed(app, { token: dev.accessToken });
    const changed = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`, {
      roleId: await roleId(owner.teamId, "Manager"),
    });
    expect(changed.status).toBe(200);
    await expectEnd(client, "revoked");
  });

  it("lets go of the team object's socket when the client goes away", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const stub = env.TEAM_EVENTS.get(env.TEAM_EVENTS.idFromName(owner.teamId));
    const { client } = await subscribed(app, { token: owner.accessToken });
    expect(await stub.subscribers()).toBe(1);
    await client.close();
    const deadline = Date.now() + 5_000;
    while ((await stub.subscribers()) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await stub.subscribers()).toBe(0);
  });

  it("ends an API key's stream when the key is revoked", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const reader = await publisherKey(owner, ["events:read"]);
    const { client } = await subscribed(app, { token: reader.key });
    expect((await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/api-keys/${reader.id}`)).status).toBe(
      204,
    );
    await expectEnd(client, "revoked");
  });
});

describe("POST /api/v1/events/ticket", () => {
  it("answers a single-use ticket that authenticates one subscription", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const res = await owner.call("POST", "/api/v1/events/ticket");
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { ticket, expiresIn } = (await res.json()) as { ticket: string; expiresIn: number };
    expect(expiresIn).toBe(60);
    const path = `/api/v1/events?ticket=${encodeURIComponent(ticket)}`;
    const first = await subscribed(app, { path });
    await first.client.close();
    const again = await subscribe(app, { path });
    expect(again.status).toBe(401);
    expect((await subscribe(app, { path: "/api/v1/events?ticket=nonsense" })).status).toBe(401);
  });

  it("expires after 60 seconds", async () => {
    const clock = testClock();
    const app = testWorker({ clock });
    const owner = await ownerSession(app);
    const { ticket } = (await (await owner.call("POST", "/api/v1/events/ticket")).json()) as {
      ticket: string;
    };
    clock.advance(61_000);
    expect(
      (await subscribe(app, { path: `/api/v1/events?ticket=${encodeURIComponent(ticket)}` })).status,
    ).toBe(401);
  });

  it("is for signed-in members: an API key is told to use its header", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const reader = await publisherKey(owner, ["events:read"]);
    const res = await as(app, reader.key)("POST", "/api/v1/events/ticket");
    expect(res.status).toBe(403);
  });
});

describe("POST /api/v1/teams/:teamId/events", () => {
  it("refuses Gatehouse's reserved types, bad names and oversized data; needs events:publish", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const key = await publisherKey(owner);
    const publish = (body: unknown) => as(app, key.key)("POST", `/api/v1/teams/${owner.teamId}/events`, body);
    for (const type of ["member.removed", "member.custom", "gatehouse.anything", "plan.changed"]) {
      const res = await publish({ type, data: {} });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("type");
    }
    for (const type of ["nodot", "Upper.Case", "a..b", "x.".padEnd(70, "y"), "bad\nline.x"]) {
      expect((await publish({ type, data: {} })).status).toBe(422);
    }
    expect((await publish({ type: "big.blob", data: { s: "x".repeat(17 * 1024) } })).status).toBe(413);
    expect((await publish({ type: "a.b", data: [] })).status).toBe(422);
    const readOnly = await publisherKey(owner, ["events:read"]);
    const denied = await as(app, readOnly.key)("POST", `/api/v1/teams/${owner.teamId}/events`, {
      type: "a.b",
      data: {},
    });
    expect(denied.status).toBe(403);
  });
});
