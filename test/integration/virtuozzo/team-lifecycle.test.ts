import { describe, expect, it } from "vitest";
import { RATE_LIMITS } from "../../../src/platform/rate-limits";
import { connectedTeam, developerOf, rawRow, virtuozzoWorld } from "./support";

describe("Virtuozzo around the team's life", () => {
  it("deleting the team signs its Virtuozzo session out (after the deletion committed)", async () => {
    const world = virtuozzoWorld();
    const { owner, base } = await connectedTeam(world);
    const developer = await developerOf(world, owner);
    const key = (await (await developer.call("GET", `${base}/session`)).json()) as { sessionKey: string };
    expect(world.fake.isLive(key.sessionKey)).toBe(true);
    const deleted = await owner.call("DELETE", `/api/v1/teams/${owner.teamId}`);
    expect(deleted.status).toBe(204);
    expect(world.fake.counts.signout).toBe(1);
    expect(world.fake.isLive(key.sessionKey)).toBe(false);
    expect(await rawRow(world, owner.teamId)).toBeNull();
  });

  it("reports of a rejected key are rate-limited per team; another team is unaffected", async () => {
    const world = virtuozzoWorld();
    const { owner, base } = await connectedTeam(world);
    const developer = await developerOf(world, owner);
    const { limit } = RATE_LIMITS["virtuozzo-invalid:team"];
    // an older key than the current one: answered with the current key, no checksign, but still counted
    for (let i = 0; i < limit; i++) {
      const ok = await developer.call("POST", `${base}/session/invalid`, { sessionKey: `old-key-${i}` });
      expect(ok.status).toBe(200);
    }
    const refused = await developer.call("POST", `${base}/session/invalid`, { sessionKey: "old-key-x" });
    expect(refused.status).toBe(429);
    expect((await refused.json()) as { code: string }).toMatchObject({ code: "rate_limited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // the key itself is still served; another team's reports still count from zero
    expect((await developer.call("GET", `${base}/session`)).status).toBe(200);
    const other = await connectedTeam(world);
    const again = await other.owner.call("POST", `${other.base}/session/invalid`, { sessionKey: "old-key" });
    expect(again.status).toBe(200);
    expect(world.fake.counts.checksign).toBe(0);
  });
});
