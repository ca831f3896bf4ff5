import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AbuseMonitor } from "../../../durable-objects/abuse-monitor";
import type { AbuseThresholds, NetworkRef } from "../../../src/features/abuse/network-state";

const T: AbuseThresholds = {
  windowMs: 600_000,
  signalMs: 900_000,
  stuffing: { ip: 3, prefix: 5, asn: 8 },
  sprayAccounts: 3,
  loginsPerMinute: 2,
  signups: { prefix: 2, asn: 4 },
};

function networks(asn: string): NetworkRef[] {
  return [
    { level: "ip", key: "ip:198.18.9.9" },
    { level: "prefix", key: "net:198.18.9.0/24" },
    { level: "asn", key: `asn:${asn}` },
  ];
}

/** The AbuseMonitor's storage: one object holds a login's three networks; the alarm forgets what has passed. */
describe("AbuseMonitor storage", () => {
  it("keeps the three networks of a login in one object and lists its signals from the index", async () => {
    const stub = env.ABUSE_MONITOR.get(env.ABUSE_MONITOR.idFromName("asn:4200000001"));
    const now = Date.now();
    for (const account of ["a", "b", "c"]) {
      await stub.recordFailure({
        networks: networks("4200000001"),
        now,
        thresholds: T,
        account,
        password: null,
      });
    }
    const check = await stub.check({ networks: networks("4200000001"), now: now + 1, thresholds: T });
    expect(check.signals.map((s) => `${s.kind}@${s.network.level}`)).toEqual(["credential_stuffing@ip"]);
    expect(await stub.activeSignals(now + 2)).toMatchObject([
      { kind: "credential_stuffing", network: { level: "ip", key: "ip:198.18.9.9" } },
    ]);
    const keys = await runInDurableObject(stub, async (_: AbuseMonitor, state) => [
      ...(await state.storage.list()).keys(),
    ]);
    expect(keys.sort()).toEqual(
      [
        "f:asn:4200000001",
        "f:ip:198.18.9.9",
        "f:net:198.18.9.0/24",
        "n:asn:4200000001",
        "n:ip:198.18.9.9",
        "n:net:198.18.9.0/24",
        "s:ip:198.18.9.9",
      ].sort(),
    );
  });

  it("the alarm deletes the networks whose windows and signals have passed", async () => {
    const stub = env.ABUSE_MONITOR.get(env.ABUSE_MONITOR.idFromName("asn:4200000002"));
    // Recorded three hours ago (the caller's clock): two windows and the signal are long over.
    const then = Date.now() - 3 * 3_600_000;
    for (const account of ["a", "b", "c"]) {
      await stub.recordFailure({
        networks: networks("4200000002"),
        now: then,
        thresholds: T,
        account,
        password: "k",
      });
    }
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(
      stub,
      async (_: AbuseMonitor, state) => (await state.storage.list()).size,
    );
    expect(left).toBe(0);
    expect(await stub.activeSignals(Date.now())).toEqual([]);
  });
});
