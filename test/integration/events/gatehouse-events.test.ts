import { describe, expect, it } from "vitest";
import { testWorker, tokenFromLink, waitForMail } from "../../support/helpers";
import { memberSession, ownerSession, roleId } from "../../support/teams";
import type { SseClient } from "./sse-client";
import { payload, publisherKey, subscribed } from "./support";

/** The next event of `type`, skipping others; its payload. */
async function nextOfType(client: SseClient, type: string) {
  for (;;) {
    const m = await client.nextEvent(5_000);
    if (m === null) throw new Error(`stream ended before ${type}`);
    if (m.event === type) {
      const p = payload(m);
      expect(p.source).toBe("gatehouse");
      return p.data;
    }
  }
}

describe("Gatehouse's own team events", () => {
  it("invitation sent and accepted, member joined, role changed, removed; no email in any event", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const { client } = await subscribed(app, { token: owner.accessToken });
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const sent = await nextOfType(client, "invitation.sent");
    expect(sent).toMatchObject({ role: { name: "Developer" } });
    expect(await nextOfType(client, "invitation.accepted")).toMatchObject({
      invitationId: sent.invitationId,
      userId: dev.userId,
    });
    expect(await nextOfType(client, "member.joined")).toEqual({
      userId: dev.userId,
      name: "Developer",
      role: { id: await roleId(owner.teamId, "Developer"), name: "Developer" },
    });

    const managerRole = await roleId(owner.teamId, "Manager");
    const patched = await owner.call("PATCH", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`, {
      roleId: managerRole,
    });
    expect(patched.status).toBe(200);
    expect(await nextOfType(client, "member.role_changed")).toMatchObject({
      userId: dev.userId,
      role: { id: managerRole, name: "Manager" },
      previousRole: { name: "Developer" },
    });
    expect((await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/members/${dev.userId}`)).status).toBe(
      204,
    );
    expect(await nextOfType(client, "member.removed")).toEqual({ userId: dev.userId });
    await client.close();

    // The buffer holds what was published, and none of it names an address.
    const replay = await subscribed(app, { token: owner.accessToken, headers: { "last-event-id": "0" } });
    const frames: string[] = [];
    for (;;) {
      const m = await replay.client.silence(300);
      if (m === null) break;
      frames.push(m.data);
    }
    expect(frames.length).toBeGreaterThanOrEqual(5);
    expect(frames.join("\n")).not.toContain("@");
    await replay.client.close();
  });

  it("API key created and revoked; ownership transferred", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const { client } = await subscribed(app, { token: manager.accessToken });
    const key = await publisherKey(owner);
    expect(await nextOfType(client, "api_key.created")).toMatchObject({ keyId: key.id, name: "backend" });
    expect((await owner.call("DELETE", `/api/v1/teams/${owner.teamId}/api-keys/${key.id}`)).status).toBe(204);
    expect(await nextOfType(client, "api_key.revoked")).toEqual({ keyId: key.id });

    // Both members' tokens die with the swap (their roles change): a team API key watches the transfer.
    const watcher = await publisherKey(owner, ["events:read"]);
    const watching = await subscribed(app, { token: watcher.key });
    const proposed = await owner.call("POST", `/api/v1/teams/${owner.teamId}/ownership-transfer`, {
      toUserId: manager.userId,
    });
    expect(proposed.status).toBe(201);
    const mails = await waitForMail(app, manager.email, { template: "ownership_transfer" });
    const token = tokenFromLink(mails[0]?.links[0] ?? "");
    expect((await manager.call("POST", "/api/v1/ownership-transfers/accept", { token })).status).toBe(200);
    expect(await nextOfType(watching.client, "ownership.transferred")).toEqual({
      fromUserId: owner.userId,
      toUserId: manager.userId,
    });
    await watching.client.close();
    await client.close();
  });
});
