import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail, waitForMail } from "../../support/helpers";
import { memberSession, ownerSession, roleId } from "../../support/teams";

interface AuditRow {
  action: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  metadata: string;
}

describe("team audit trail", () => {
  it("records every change with actor, target and before/after", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const team = `/api/v1/teams/${owner.teamId}`;
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const role = (await (
      await owner.call("POST", `${team}/roles`, { name: "Ops", permissions: ["team:read"] })
    ).json()) as {
      id: string;
    };
    await owner.call("PATCH", `${team}/roles/${role.id}`, { permissions: ["team:*"] });
    await owner.call("PATCH", `${team}/members/${dev.userId}`, { roleId: role.id });
    const invite = (await (
      await owner.call("POST", `${team}/invitations`, {
        email: uniqueEmail("gone"),
        roleId: await roleId(owner.teamId, "Developer"),
      })
    ).json()) as { id: string };
    await owner.call("DELETE", `${team}/invitations/${invite.id}`);
    const key = (await (
      await owner.call("POST", `${team}/api-keys`, { name: "k", permissions: ["team:read"] })
    ).json()) as {
      id: string;
    };
    await owner.call("POST", `${team}/api-keys/${key.id}/rotate`);
    await owner.call("POST", `${team}/ownership-transfer`, { toUserId: dev.userId });
    await waitForMail(app, dev.email, { template: "ownership_transfer" });
    await owner.call("DELETE", `${team}/ownership-transfer`);
    await owner.call("DELETE", `${team}/members/${dev.userId}`);
    await owner.call("DELETE", `${team}/roles/${role.id}`);

    const { results } = await app.bindings.DB.prepare(
      "SELECT action, actor_id, target_type, target_id, metadata FROM audit_logs WHERE team_id = ? ORDER BY at, rowid",
    )
      .bind(owner.teamId)
      .all<AuditRow>();
    const byAction = (action: string) => results.filter((r) => r.action === action);
    for (const action of [
      "invitation.created",
      "invitation.accepted",
      "member.joined",
      "role.created",
      "role.updated",
      "member.role_changed",
      "invitation.revoked",
      "api_key.created",
      "api_key.rotated",
      "ownership.transfer_proposed",
      "ownership.transfer_cancelled",
      "member.removed",
      "role.deleted",
    ]) {
      expect(byAction(action).length, action).toBeGreaterThan(0);
    }
    const ownerActions = results.filter(
      (r) => !["invitation.accepted", "member.joined", "user.registered"].includes(r.action),
    );
    for (const row of ownerActions.filter((r) => r.action !== "session.created")) {
      expect(row.actor_id, row.action).toBe(owner.userId);
      expect(row.target_id, row.action).not.toBeNull();
    }
    expect(JSON.parse(byAction("role.updated")[0]?.metadata ?? "{}")).toMatchObject({
      before: { permissions: ["team:read"] },
      after: { permissions: ["team:*"] },
    });
    expect(JSON.parse(byAction("invitation.revoked")[0]?.metadata ?? "{}")).toMatchObject({
      before: { email: expect.stringContaining("gone-") },
    });
    expect(byAction("member.removed")[0]).toMatchObject({ target_type: "user", target_id: dev.userId });
    // no secret in any metadata (a key's 10-character display prefix is not one)
    for (const row of results) expect(row.metadata).not.toMatch(/gh_[A-Za-z0-9_-]{12,}|token/i);
  });
});
