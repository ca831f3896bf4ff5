import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { publishTeamEvent, teamEventEffect } from "../../../src/features/events/publish";
import { parseConfig } from "../../../src/platform/config";
import { createContext, type RequestContext } from "../../../src/platform/context";
import { defaultDeps } from "../../../src/platform/deps";
import { commit } from "../../../src/platform/unit-of-work";

/** Gatehouse's own publishing interface (src/features/events/publish.ts), against the real team object. */
function context(): RequestContext {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error("test config invalid");
  return createContext(defaultDeps, { env, config: parsed.config });
}

const stubFor = (teamId: string) => env.TEAM_EVENTS.get(env.TEAM_EVENTS.idFromName(teamId));

describe("publishing Gatehouse's team events", () => {
  it("stores events with increasing ids in the team's own buffer", async () => {
    const ctx = context();
    const team = `team-${crypto.randomUUID()}`;
    const other = `team-${crypto.randomUUID()}`;
    await publishTeamEvent(ctx, team, { type: "member.joined", data: { userId: "u1", role: "member" } });
    await publishTeamEvent(ctx, team, { type: "member.removed", data: { userId: "u1" } });
    const events = await stubFor(team).since(0);
    expect(events.map((e) => [e.id, e.type, e.source])).toEqual([
      [1, "member.joined", "gatehouse"],
      [2, "member.removed", "gatehouse"],
    ]);
    expect(JSON.parse(events[0]?.data ?? "null")).toEqual({ userId: "u1", role: "member" });
    expect(await stubFor(other).since(0)).toEqual([]);
  });

  it("publishes as an after-commit effect", async () => {
    const ctx = context();
    const team = `team-${crypto.randomUUID()}`;
    await commit(ctx, {
      after: [teamEventEffect(ctx, team, { type: "api_key.revoked", data: { keyId: "k1" } })],
    });
    const events = await stubFor(team).since(0);
    expect(events.map((e) => e.type)).toEqual(["api_key.revoked"]);
  });
});
