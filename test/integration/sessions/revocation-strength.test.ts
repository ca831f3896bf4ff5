import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";
import { memberSession, ownerSession, roleId } from "../../support/teams";

/**
 * Issue 19 item 6, "revocation you can state": the edge record in KV reaches other locations within about a minute,
 * so a revocation is stood in for here by writing D1 alone — what another location sees while KV has not caught up.
 * Reads keep answering from the edge check for that minute; no change to roles, members, keys, plans, limits or
 * the Virtuozzo connection gets through, because every team write also reads the session in D1.
 */
describe("a session revoked in D1 but not yet at the edge", () => {
  it("may still read for the edge's delay, but can change nothing", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const base = `/api/v1/teams/${owner.teamId}`;
    // the revocation as another location sees it: D1 has it, the KV edge record has not arrived
    const sid = JSON.parse(
      atob((owner.accessToken.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")),
    ).sid as string;
    await env.DB.prepare("UPDATE sessions SET revoked_at = ?, revoked_reason = 'logout' WHERE id = ?")
      .bind(app.clock.now(), sid)
      .run();

    expect((await owner.call("GET", `${base}/members`)).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ["POST", `${base}/roles`, { name: "Auditor", permissions: ["members:read"] }],
      ["PATCH", `${base}/members/${dev.userId}`, { roleId: await roleId(owner.teamId, "Manager") }],
      ["DELETE", `${base}/members/${dev.userId}`, undefined],
      [
        "POST",
        `${base}/invitations`,
        { email: "late@example.com", roleId: await roleId(owner.teamId, "Developer") },
      ],
      ["POST", `${base}/limits`, { monthlyCapUsd: 1, hardStop: true, warnAtPercent: 50 }],
      ["DELETE", `${base}/virtuozzo`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await owner.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    // nothing changed
    const members = await env.DB.prepare("SELECT count(*) AS n FROM memberships WHERE team_id = ?")
      .bind(owner.teamId)
      .first<{ n: number }>();
    expect(members?.n).toBe(2);
    expect(
      await env.DB.prepare("SELECT 1 FROM roles WHERE team_id = ? AND name = 'Auditor'")
        .bind(owner.teamId)
        .first(),
    ).toBeNull();
    // a live session's writes pass the same check
    expect((await dev.call("GET", `${base}/members`)).status).toBe(200);
  });
});
