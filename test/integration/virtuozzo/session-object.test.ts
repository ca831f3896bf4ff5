import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AcquireRequest, SealedSessionKey } from "../../../durable-objects/virtuozzo-session";

/** The VirtuozzoSession object's protocol, called directly (the routes' behaviour is in session.test.ts). */
function object() {
  return env.VIRTUOZZO_SESSION.get(env.VIRTUOZZO_SESSION.idFromName(`team-${crypto.randomUUID()}`));
}

const NOW = 1_800_000_000_000;
const WINDOW = 600_000;
const key = (name: string, expiresAt: number) => ({ sealedKey: `gh1.k.${name}`, expiresAt });
type Over = {
  generation?: number;
  now?: number;
  stored?: SealedSessionKey | null;
  mode?: AcquireRequest["mode"];
};
/** A request carrying D1's facts (as the Worker sends after reading the row). */
const get = (over: Over = {}): AcquireRequest => ({
  now: over.now ?? NOW,
  mode: over.mode ?? { kind: "get" },
  row: { generation: over.generation ?? 1, windowMs: WINDOW, stored: over.stored ?? null },
});
/** The hot path: the cache alone, no D1 facts. */
const cacheOnly = (now = NOW): AcquireRequest => ({ now, mode: { kind: "get" }, row: null });

describe("VirtuozzoSession (per-team lock and cache)", () => {
  it("an empty object (new, or evicted) adopts D1's copy: no refresh while it is outside the window", async () => {
    const vz = object();
    const stored = key("a", NOW + 3_600_000);
    expect(await vz.acquire(get({ stored }))).toEqual({ kind: "fresh", ...stored });
    // later callers are served from memory even without the copy
    expect(await vz.acquire(get())).toEqual({ kind: "fresh", ...stored });
  });

  it("inside the window: one leader, the others wait for its outcome", async () => {
    const vz = object();
    const old = key("old", NOW + 300_000); // 300 s left < 600 s window
    const first = await vz.acquire(get({ stored: old }));
    expect(first).toMatchObject({ kind: "lead", current: old });
    const waiting = Promise.all([vz.acquire(get()), vz.acquire(get({ stored: old })), vz.acquire(get())]);
    const next = key("new", NOW + 3_600_000);
    if (first.kind !== "lead") throw new Error("expected a lease");
    expect(await vz.complete(first.leaseId, { kind: "fresh", ...next }, NOW)).toBe(true);
    expect(await waiting).toEqual(Array(3).fill({ kind: "fresh", ...next }));
    expect(await vz.complete(first.leaseId, { kind: "fresh", ...next }, NOW)).toBe(false); // once only
  });

  it("a failed refresh: waiters get the old key while valid; then a back-off without new attempts", async () => {
    const vz = object();
    const old = key("old", NOW + 300_000);
    const lead = await vz.acquire(get({ stored: old }));
    const waiter = vz.acquire(get());
    if (lead.kind !== "lead") throw new Error("expected a lease");
    await vz.complete(lead.leaseId, { kind: "unavailable" }, NOW);
    expect(await waiter).toEqual({ kind: "unavailable", fallback: old });
    expect(await vz.acquire(get({ now: NOW + 5_000 }))).toEqual({ kind: "unavailable", fallback: old });
    expect(await vz.acquire(get({ now: NOW + 11_000 }))).toMatchObject({ kind: "lead" });
  });

  it("rejected: everyone waiting gets it, and the key is dropped", async () => {
    const vz = object();
    const lead = await vz.acquire(get({ stored: key("old", NOW + 300_000) }));
    const waiter = vz.acquire(get());
    if (lead.kind !== "lead") throw new Error("expected a lease");
    await vz.complete(lead.leaseId, { kind: "rejected" }, NOW);
    expect(await waiter).toEqual({ kind: "rejected" });
    expect(await vz.acquire(get())).toMatchObject({ kind: "lead", current: null });
  });

  it("a new generation drops the old key and releases the old lease's waiters as stale", async () => {
    const vz = object();
    const lead = await vz.acquire(get({ stored: key("old", NOW + 300_000) }));
    const waiter = vz.acquire(get());
    const fresh = key("g2", NOW + 3_600_000);
    await vz.reset(2, fresh);
    expect(await waiter).toEqual({ kind: "stale" });
    if (lead.kind !== "lead") throw new Error("expected a lease");
    expect(await vz.complete(lead.leaseId, { kind: "fresh", ...key("late", NOW + 3_600_000) }, NOW)).toBe(
      false,
    );
    expect(await vz.acquire(get())).toEqual({ kind: "stale" }); // generation 1 is gone
    expect(await vz.acquire(get({ generation: 2 }))).toEqual({ kind: "fresh", ...fresh });
    await vz.reset(2, null); // DELETE
    expect(await vz.acquire(get({ generation: 2 }))).toMatchObject({ kind: "lead", current: null });
  });

  it("invalid reports: one leader for the reported key; a report of a replaced key gets the current one", async () => {
    const vz = object();
    const current = key("cur", NOW + 3_600_000);
    await vz.acquire(get({ stored: current }));
    const lead = await vz.acquire(get({ mode: { kind: "invalid", sealedKey: current.sealedKey } }));
    expect(lead).toMatchObject({ kind: "lead" });
    const same = vz.acquire(get({ mode: { kind: "invalid", sealedKey: current.sealedKey } }));
    const next = key("next", NOW + 3_600_000);
    if (lead.kind !== "lead") throw new Error("expected a lease");
    await vz.complete(lead.leaseId, { kind: "fresh", ...next }, NOW);
    expect(await same).toEqual({ kind: "fresh", ...next });
    expect(await vz.acquire(get({ mode: { kind: "invalid", sealedKey: current.sealedKey } }))).toEqual({
      kind: "fresh",
      ...next,
    });
    // force always leads (the Owner's refresh), even outside the window
    expect(await vz.acquire(get({ mode: { kind: "force" } }))).toMatchObject({ kind: "lead", current: next });
  });

  it("the hot path answers from the cache alone only with facts checked against D1 in the last 30 s", async () => {
    const vz = object();
    expect(await vz.acquire(cacheOnly())).toEqual({ kind: "need_row" }); // new (or evicted): nothing known
    const stored = key("a", NOW + 3_600_000);
    await vz.acquire(get({ stored }));
    expect(await vz.acquire(cacheOnly(NOW + 29_000))).toEqual({ kind: "fresh", ...stored });
    expect(await vz.acquire(cacheOnly(NOW + 30_000))).toEqual({ kind: "need_row" });
    await vz.acquire(get({ now: NOW + 30_000 }));
    // inside the window the cache never answers alone: the refresh needs the row
    expect(await vz.acquire(cacheOnly(NOW + 3_000_001 - 2_000))).toEqual({ kind: "need_row" });
    // a PUT or DELETE (reset) forgets the facts: the next request reads D1
    await vz.reset(2, key("b", NOW + 3_600_000));
    expect(await vz.acquire(cacheOnly(NOW + 31_000))).toEqual({ kind: "need_row" });
  });
});
