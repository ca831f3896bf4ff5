import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";
import { as, ownerSession } from "../../support/teams";

describe("plan limit: published events per second", () => {
  it("beyond the plan's rate a team's backend gets 429 with Retry-After; the next second it may publish again", async () => {
    const app = testWorker({ env: { PLAN_LIMITS: "FREE=5/3/3/3,PRO=100/50/50/100" } });
    const owner = await ownerSession(app);
    const created = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
      name: "backend",
      permissions: ["events:publish"],
    });
    const { key } = (await created.json()) as { key: string };
    const publish = (n: number) =>
      as(app, key)("POST", `/api/v1/teams/${owner.teamId}/events`, { type: "deploy.finished", data: { n } });

    for (let n = 0; n < 3; n++) expect((await publish(n)).status).toBe(202);
    const refused = await publish(3);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({
      code: "rate_limited",
      limit: "eventsPerSecond",
      allowed: 3,
      detail: "Your plan allows 3 published events per second. Try again in a moment.",
    });

    app.clock.advance(2_000);
    expect((await publish(4)).status).toBe(202);
  });
});
