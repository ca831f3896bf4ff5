import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UserSessionGate } from "../../../durable-objects/user-session-gate";
import { hashToken } from "../../../src/crypto/tokens";

const HOUR = 3_600_000;
const SINGLE = { replace: false, allowMultiple: false };
const REPLACE = { replace: true, allowMultiple: false };
const MULTIPLE = { replace: false, allowMultiple: true };

/** A fresh gate (one user) per test. Times are near the real clock so no real alarm fires mid-test. */
function gate() {
  return env.USER_SESSION_GATE.get(env.USER_SESSION_GATE.idFromName(`user:${crypto.randomUUID()}`));
}

const sid = (label: string) => `${label}-${crypto.randomUUID()}`;

describe("UserSessionGate: the live slot", () => {
  it("grants a claim on an empty gate", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    expect(await stub.live(now)).toBeNull();
    expect(await stub.claim(a, now + HOUR, now, SINGLE)).toEqual({
      granted: true,
      replaced: null,
      evicted: [],
    });
    expect(await stub.live(now)).toMatchObject({ sessionId: a, expiresAt: now + HOUR });
  });

  it("refuses a second session without replace and names the live one; nothing changes", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    const b = sid("b");
    await stub.claim(a, now + HOUR, now, SINGLE);
    expect(await stub.claim(b, now + 2 * HOUR, now + 1, SINGLE)).toMatchObject({
      granted: false,
      live: { sessionId: a, expiresAt: now + HOUR },
    });
    expect((await stub.live(now + 1))?.sessionId).toBe(a);
  });

  it("replace with expectedHolder is a compare-and-swap: it never replaces a holder it did not name", async () => {
    const stub = gate();
    const now = Date.now();
    const [a, b, c] = [sid("a"), sid("b"), sid("c")];
    await stub.claim(a, now + HOUR, now, SINGLE);
    // c took the slot from a (the user approved), then b, which had decided to replace a, comes in late.
    expect(await stub.claim(c, now + HOUR, now + 1, { ...REPLACE, expectedHolder: a })).toMatchObject({
      granted: true,
      replaced: a,
    });
    expect(await stub.claim(b, now + HOUR, now + 2, { ...REPLACE, expectedHolder: a })).toMatchObject({
      granted: false,
      live: { sessionId: c, claimedAt: now + 1 },
    });
    expect((await stub.live(now + 3))?.sessionId).toBe(c);
    expect(await stub.claim(b, now + HOUR, now + 4, { ...REPLACE, expectedHolder: c })).toEqual({
      granted: true,
      replaced: c,
      evicted: [c],
    });
  });

  it("re-claiming its own id is granted and updates the expiry", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    await stub.claim(a, now + HOUR, now, SINGLE);
    expect(await stub.claim(a, now + 2 * HOUR, now + 1, SINGLE)).toMatchObject({
      granted: true,
      replaced: null,
    });
    expect(await stub.live(now + 1)).toMatchObject({ sessionId: a, expiresAt: now + 2 * HOUR });
  });

  it("with replace grants the new session and returns the replaced id", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    const b = sid("b");
    await stub.claim(a, now + HOUR, now, SINGLE);
    expect(await stub.claim(b, now + HOUR + 5, now + 5, REPLACE)).toEqual({
      granted: true,
      replaced: a,
      evicted: [a],
    });
    expect(await stub.live(now + 5)).toMatchObject({ sessionId: b, expiresAt: now + HOUR + 5 });
  });

  it("replaces an expired holder without asking and reports its id for cleanup", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    const b = sid("b");
    await stub.claim(a, now + HOUR, now, SINGLE);
    const later = now + HOUR; // a expires exactly now
    expect(await stub.claim(b, later + HOUR, later, SINGLE)).toEqual({
      granted: true,
      replaced: a,
      evicted: [a],
    });
    expect((await stub.live(later))?.sessionId).toBe(b);
  });

  it("drops an expired holder on read", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    await stub.claim(a, now + HOUR, now, SINGLE);
    expect(await stub.live(now + HOUR)).toBeNull();
    await runInDurableObject(stub, async (_instance: UserSessionGate, state) => {
      expect(await state.storage.get(`s:${a}`)).toBeUndefined();
    });
  });

  it("refuses a claim that has already expired", async () => {
    const stub = gate();
    const now = Date.now();
    // called on the instance: a throw across RPC is reported by the pool as an unhandled rejection too
    await runInDurableObject(stub, async (instance: UserSessionGate) => {
      await expect(instance.claim(sid("a"), now, now, SINGLE)).rejects.toThrow(/expire after/);
    });
  });

  it("with allowMultiple always grants, replaces nothing, but records every session", async () => {
    const stub = gate();
    const now = Date.now();
    const [a, b, c] = [sid("a"), sid("b"), sid("c")];
    expect(await stub.claim(a, now + HOUR, now, MULTIPLE)).toEqual({
      granted: true,
      replaced: null,
      evicted: [],
    });
    expect(await stub.claim(b, now + HOUR, now + 1, MULTIPLE)).toEqual({
      granted: true,
      replaced: null,
      evicted: [],
    });
    expect((await stub.live(now + 1))?.sessionId).toBe(b);
    // back to one session: the recorded ones count; replacing evicts them all
    expect(await stub.claim(c, now + HOUR, now + 2, SINGLE)).toMatchObject({
      granted: false,
      live: { sessionId: b },
    });
    const replaced = await stub.claim(c, now + HOUR, now + 2, REPLACE);
    expect(replaced).toMatchObject({ granted: true, replaced: b });
    expect(replaced.granted && [...replaced.evicted].sort()).toEqual([a, b].sort());
    expect((await stub.live(now + 2))?.sessionId).toBe(c);
  });

  it("release frees the slot, is idempotent, and a non-holder's release leaves the holder", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    const b = sid("b");
    await stub.claim(a, now + HOUR, now, SINGLE);
    await stub.release(sid("other"));
    expect((await stub.live(now))?.sessionId).toBe(a);
    await stub.release(a);
    await stub.release(a);
    expect(await stub.live(now)).toBeNull();
    expect(await stub.claim(b, now + HOUR, now, SINGLE)).toEqual({
      granted: true,
      replaced: null,
      evicted: [],
    });
  });

  it("RACE: of two parallel claims without replace exactly one wins", async () => {
    for (let round = 0; round < 5; round++) {
      const stub = gate();
      const now = Date.now();
      const ids = [sid("left"), sid("right")];
      const results = await Promise.all(ids.map((id) => stub.claim(id, now + HOUR, now, SINGLE)));
      const winners = results.flatMap((r, i) => (r.granted ? [ids[i]] : []));
      expect(winners).toHaveLength(1);
      const loser = results.find((r) => !r.granted);
      expect(loser).toMatchObject({ granted: false, live: { sessionId: winners[0], expiresAt: now + HOUR } });
      expect((await stub.live(now))?.sessionId).toBe(winners[0]);
    }
  });

  it("persists each session record in durable storage", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    await stub.claim(a, now + HOUR, now, SINGLE);
    await runInDurableObject(stub, async (_instance: UserSessionGate, state) => {
      expect(await state.storage.get(`s:${a}`)).toEqual({ expiresAt: now + HOUR, claimedAt: now });
    });
  });
});

describe("UserSessionGate: concurrent-login decisions", () => {
  it("a decision is taken once: payload, then null", async () => {
    const stub = gate();
    const now = Date.now();
    const id = crypto.randomUUID();
    const payload = { sessionId: sid("new"), teamId: null, device: { name: "Firefox on Linux" } };
    await stub.openDecision(id, payload, now + 15 * 60_000);
    expect(await stub.takeDecision(id, now + 1)).toEqual(payload);
    expect(await stub.takeDecision(id, now + 2)).toBeNull();
    expect(await stub.takeDecision(crypto.randomUUID(), now)).toBeNull();
  });

  it("an expired decision is null, and gone", async () => {
    const stub = gate();
    const now = Date.now();
    const id = crypto.randomUUID();
    await stub.openDecision(id, { x: 1 }, now + 60_000);
    expect(await stub.takeDecision(id, now + 60_000)).toBeNull();
    await runInDurableObject(stub, async (_instance: UserSessionGate, state) => {
      expect(await state.storage.list({ prefix: "d:" })).toHaveProperty("size", 0);
    });
  });

  it("RACE: of parallel takes exactly one gets the payload", async () => {
    const stub = gate();
    const now = Date.now();
    const id = crypto.randomUUID();
    await stub.openDecision(id, { approve: true }, now + 60_000);
    const results = await Promise.all(Array.from({ length: 8 }, () => stub.takeDecision(id, now)));
    expect(results.filter((r) => r !== null)).toEqual([{ approve: true }]);
  });

  it("refuses to reopen an open decision id", async () => {
    const stub = gate();
    const now = Date.now();
    const id = crypto.randomUUID();
    await stub.openDecision(id, { n: 1 }, now + 60_000);
    await runInDurableObject(stub, async (instance: UserSessionGate) => {
      await expect(instance.openDecision(id, { n: 2 }, now + 60_000)).rejects.toThrow(/already open/);
    });
    expect(await stub.takeDecision(id, now)).toEqual({ n: 1 });
  });

  it("stores decisions under the id's hash only, and the alarm sweeps the expired ones", async () => {
    const stub = gate();
    const now = Date.now();
    const [soon, later] = [crypto.randomUUID(), crypto.randomUUID()];
    await stub.openDecision(later, { which: "later" }, now + HOUR);
    await stub.openDecision(soon, { which: "soon" }, now + 60_000);
    await runInDurableObject(stub, async (instance: UserSessionGate, state) => {
      const stored = await state.storage.list({ prefix: "d:" });
      expect([...stored.keys()].sort()).toEqual(
        [`d:${await hashToken(soon)}`, `d:${await hashToken(later)}`].sort(),
      );
      expect(JSON.stringify([...stored.keys()])).not.toContain(soon);
      expect(stored.get(`d:${await hashToken(soon)}`)).toEqual({
        payload: { which: "soon" },
        expiresAt: now + 60_000,
      });
      // armed for the earliest expiry
      expect(await state.storage.getAlarm()).toBe(now + 60_000);
      await instance.alarm();
      expect(await state.storage.get(`d:${await hashToken(soon)}`)).toBeUndefined();
      expect(await state.storage.get(`d:${await hashToken(later)}`)).toBeDefined();
      // re-armed for the next one
      expect(await state.storage.getAlarm()).toBe(now + HOUR);
    });
    expect(await stub.takeDecision(soon, now)).toBeNull();
    expect(await stub.takeDecision(later, now)).toEqual({ which: "later" });
  });

  it("the alarm also drops session records expired by its time", async () => {
    const stub = gate();
    const now = Date.now();
    const a = sid("a");
    await stub.claim(a, now + 1000, now, SINGLE);
    await stub.openDecision(crypto.randomUUID(), {}, now + 60_000);
    await runInDurableObject(stub, async (instance: UserSessionGate, state) => {
      await instance.alarm({ scheduledTime: now + 60_000, isRetry: false, retryCount: 0 });
      expect(await state.storage.list()).toHaveProperty("size", 0);
    });
  });
});
