import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resealVirtuozzoSecrets } from "../../../src/features/virtuozzo/resealing";
import { openCredential, openSessionKey } from "../../../src/features/virtuozzo/sealing";
import { resealConnectionStatement } from "../../../src/features/virtuozzo/store";
import { parseConfig } from "../../../src/platform/config";
import { createContext } from "../../../src/platform/context";
import { defaultDeps } from "../../../src/platform/deps";
import { connectedTeam, LOGIN, rawRow, virtuozzoWorld } from "./support";

function contextWith(keys: string, now: () => number) {
  const bindings = { ...env, ENCRYPTION_KEYS: keys } as Cloudflare.Env;
  const parsed = parseConfig(bindings);
  if (!parsed.ok) throw new Error(`config: ${parsed.variables.join(", ")}`);
  return createContext({ ...defaultDeps, now }, { env: bindings, config: parsed.config });
}

describe("Virtuozzo secrets at rest: key rotation", () => {
  it("the cron re-encrypts every team's credential and session key under the new key, once", async () => {
    const world = virtuozzoWorld();
    const { owner } = await connectedTeam(world);
    const before = await rawRow(world, owner.teamId);
    expect(String(before?.credential)).toMatch(/^gh1\.dev1\./);
    expect(String(before?.session_key)).toMatch(/^gh1\.dev1\./);

    const k2 = `k2:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
    const rotated = contextWith(`${k2},${env.ENCRYPTION_KEYS}`, world.clock.now);
    expect(await resealVirtuozzoSecrets(rotated)).toBe(1);
    const after = await rawRow(world, owner.teamId);
    expect(String(after?.credential)).toMatch(/^gh1\.k2\./);
    expect(String(after?.session_key)).toMatch(/^gh1\.k2\./);
    expect(after?.generation).toBe(before?.generation);
    expect(await resealVirtuozzoSecrets(rotated)).toBe(0);

    // the old key can go: the new one alone opens both, bound to their team and purpose as before
    const newOnly = contextWith(k2, world.clock.now);
    expect(await openCredential(newOnly, owner.teamId, String(after?.credential))).toMatchObject({
      kind: "password",
      login: LOGIN,
    });
    expect(await openSessionKey(newOnly, owner.teamId, String(after?.session_key))).toMatch(/\S/);
    await expect(openCredential(newOnly, "another-team", String(after?.credential))).rejects.toThrow();
  });

  it("never overwrites a connection that changed after it was read (a reconnect or refresh wins)", async () => {
    const world = virtuozzoWorld();
    const { owner } = await connectedTeam(world);
    const row = await rawRow(world, owner.teamId);
    const rotated = contextWith(`k3:${btoa("k".repeat(32))},${env.ENCRYPTION_KEYS}`, world.clock.now);
    const stale = { credential: "gh1.dev1.stale.value", sessionKey: row?.session_key as string | null };
    const lost = await resealConnectionStatement(rotated.db, {
      teamId: owner.teamId,
      from: stale,
      to: { credential: "gh1.k3.x.y", sessionKey: null },
    });
    expect(lost).toEqual([]);
    expect((await rawRow(world, owner.teamId))?.credential).toBe(row?.credential);
  });
});
