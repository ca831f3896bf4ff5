import { describe, expect, it } from "vitest";
import {
  admit,
  type BreakerRecord,
  initialRecord,
  report,
  snapshot,
} from "../../src/platform/outbound/breaker-state";

const SETTINGS = { failureThreshold: 3, openMs: 30_000 };
const T0 = 1_000_000;

function faults(record: BreakerRecord, n: number, now = T0): BreakerRecord {
  let r = record;
  for (let i = 0; i < n; i++) r = report(r, now, { ok: false }, SETTINGS).record;
  return r;
}

describe("circuit breaker state machine", () => {
  it("stays closed below the threshold; a success resets the consecutive count", () => {
    let r = faults(initialRecord(), 2);
    expect(r.state).toBe("closed");
    expect(r.consecutiveFaults).toBe(2);
    r = report(r, T0, { ok: true }, SETTINGS).record;
    expect(r.consecutiveFaults).toBe(0);
    r = faults(r, 2);
    expect(r.state).toBe("closed");
    expect(r.counters).toEqual({ faults: 4, successes: 1, timeouts: 0, opened: 0 });
  });

  it("opens at the threshold's fault, reports the transition, and rejects until the retry time", () => {
    const two = faults(initialRecord(), 2);
    const third = report(two, T0 + 5, { ok: false, timeout: true }, SETTINGS);
    expect(third.transition).toBe("open");
    expect(third.record).toMatchObject({ state: "open", openedAt: T0 + 5, retryAt: T0 + 5 + 30_000 });
    expect(third.record.counters).toMatchObject({ faults: 3, timeouts: 1, opened: 1 });
    const early = admit(third.record, T0 + 29_000, { leaseMs: 7_000, probeId: "p1" });
    expect(early.admission).toEqual({ kind: "reject", retryAt: T0 + 5 + 30_000 });
    expect(early.record).toBe(third.record);
    expect(snapshot(third.record, T0 + 29_000).state).toBe("open");
    expect(snapshot(third.record, T0 + 31_000).state).toBe("half_open");
  });

  it("half-open admits exactly one probe until its lease expires", () => {
    const open = faults(initialRecord(), 3);
    const at = T0 + 30_000;
    const first = admit(open, at, { leaseMs: 7_000, probeId: "p1" });
    expect(first.admission).toEqual({ kind: "probe", probeId: "p1" });
    expect(first.record).toMatchObject({ state: "half_open", probeId: "p1", retryAt: at + 7_000 });
    const second = admit(first.record, at + 1, { leaseMs: 7_000, probeId: "p2" });
    expect(second.admission).toEqual({ kind: "reject", retryAt: at + 7_000 });
    // The probe never reported: its lease expires and the next caller probes.
    const third = admit(second.record, at + 7_000, { leaseMs: 7_000, probeId: "p3" });
    expect(third.admission).toEqual({ kind: "probe", probeId: "p3" });
  });

  it("the probe's success closes; its fault re-opens for another open period", () => {
    const probing = admit(faults(initialRecord(), 3), T0 + 30_000, { leaseMs: 7_000, probeId: "p1" }).record;
    const closed = report(probing, T0 + 30_100, { ok: true, probeId: "p1" }, SETTINGS);
    expect(closed.transition).toBe("closed");
    expect(closed.record).toMatchObject({
      state: "closed",
      consecutiveFaults: 0,
      retryAt: null,
      openedAt: null,
    });
    expect(admit(closed.record, T0 + 30_200, { leaseMs: 1, probeId: "x" }).admission).toEqual({
      kind: "pass",
    });

    const reopened = report(probing, T0 + 30_100, { ok: false, probeId: "p1" }, SETTINGS);
    expect(reopened.transition).toBe("open");
    expect(reopened.record).toMatchObject({ state: "open", retryAt: T0 + 30_100 + 30_000 });
    expect(reopened.record.counters.opened).toBe(2);
  });

  it("outcomes of calls that are not the probe never move an open or half-open breaker", () => {
    const open = faults(initialRecord(), 3);
    const late = report(open, T0 + 10, { ok: true }, SETTINGS);
    expect(late.transition).toBeNull();
    expect(late.record.state).toBe("open");
    const probing = admit(open, T0 + 30_000, { leaseMs: 7_000, probeId: "p1" }).record;
    const stranger = report(probing, T0 + 30_001, { ok: true, probeId: "other" }, SETTINGS);
    expect(stranger.transition).toBeNull();
    expect(stranger.record.state).toBe("half_open");
    const strangerFault = report(probing, T0 + 30_001, { ok: false }, SETTINGS);
    expect(strangerFault.record.state).toBe("half_open");
    expect(strangerFault.record.counters.faults).toBe(4);
  });
});
