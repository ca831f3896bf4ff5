import { afterEach, describe, expect, it, vi } from "vitest";
import { callDependency, DependencyUnavailable } from "../../../src/platform/outbound/breaker";
import { breakerView, breakerWorld, countDurableObjectCalls, uniqueDependency } from "./support";

/** A counted outbound call: `fail` decides, per call, whether it throws. */
function counted(fail: () => boolean) {
  const calls = { n: 0 };
  const call = async (_signal: AbortSignal) => {
    calls.n += 1;
    if (fail()) throw new TypeError("network down");
    return "answer";
  };
  return { calls, call };
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof DependencyUnavailable ? error.reason : `other: ${String(error)}`;
  }
}

afterEach(() => vi.restoreAllMocks());

describe("callDependency: the circuit breaker end to end (CircuitBreaker Durable Object)", () => {
  it("closed → 5 faults → open: the next call is refused at once, without calling", async () => {
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    const { ctx, clock, settled } = breakerWorld();
    const name = uniqueDependency();
    const down = counted(() => true);
    for (let i = 0; i < 5; i++) {
      expect(await reason(callDependency(ctx, name, down.call))).toBe("failure");
      await settled(); // the report goes after the response
    }
    expect(down.calls.n).toBe(5);
    const view = await breakerView(name, clock.now());
    expect(view).toMatchObject({ state: "open", counters: { faults: 5, opened: 1 } });
    expect(view.retryAt).toBe((view.openedAt ?? 0) + 30_000);

    for (let i = 0; i < 10; i++) expect(await reason(callDependency(ctx, name, down.call))).toBe("open");
    expect(down.calls.n).toBe(5);
    // The transition is logged once, as a warning naming the dependency.
    const opened = warnings.map((l) => JSON.parse(l)).filter((l) => l.msg === "circuit breaker opened");
    expect(opened).toEqual([
      { level: "warn", msg: "circuit breaker opened", dependency: name, retryAt: view.retryAt, faults: 5 },
    ]);
  });

  it("a thrown fault keeps the original error as cause", async () => {
    const { ctx } = breakerWorld();
    const original = new TypeError("connection reset");
    const error = await callDependency(ctx, uniqueDependency(), async () => {
      throw original;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect((error as DependencyUnavailable).cause).toBe(original);
  });

  it("after the open time, exactly one of many parallel callers probes; its success closes", async () => {
    const { ctx, clock, settled } = breakerWorld();
    const name = uniqueDependency();
    let failing = true;
    const dep = counted(() => failing);
    for (let i = 0; i < 5; i++) {
      await reason(callDependency(ctx, name, dep.call));
      await settled();
    }
    clock.advance(30_000);
    failing = false;
    const slow = async (signal: AbortSignal) => {
      await new Promise((r) => setTimeout(r, 50));
      return dep.call(signal);
    };
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => reason(callDependency(ctx, name, slow))),
    );
    expect(outcomes.filter((o) => o === "resolved")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "open")).toHaveLength(7);
    expect(dep.calls.n).toBe(6);
    await settled();
    expect(await breakerView(name, clock.now())).toMatchObject({ state: "closed", consecutiveFaults: 0 });
    expect(await callDependency(ctx, name, dep.call)).toBe("answer");
    expect(dep.calls.n).toBe(7);
  });

  it("the probe's fault re-opens it for another open period", async () => {
    const { ctx, clock, settled } = breakerWorld();
    const name = uniqueDependency();
    const down = counted(() => true);
    for (let i = 0; i < 5; i++) {
      await reason(callDependency(ctx, name, down.call));
      await settled();
    }
    clock.advance(30_001);
    expect(await reason(callDependency(ctx, name, down.call))).toBe("failure"); // the probe
    await settled();
    expect(down.calls.n).toBe(6);
    const view = await breakerView(name, clock.now());
    expect(view).toMatchObject({ state: "open", counters: { opened: 2 } });
    expect(await reason(callDependency(ctx, name, down.call))).toBe("open");
    clock.advance(29_000);
    expect(await reason(callDependency(ctx, name, down.call))).toBe("open");
    expect(down.calls.n).toBe(6);
  });

  it("a probe that never reports loses its lease: the next caller probes", async () => {
    const { ctx, clock, settled } = breakerWorld({ BREAKER_FAILURES: "1" });
    const name = uniqueDependency();
    await reason(callDependency(ctx, name, counted(() => true).call));
    await settled();
    clock.advance(30_000);
    const ns = ctx.env.CIRCUIT_BREAKER;
    const stub = ns.get(ns.idFromName(name));
    // A probe elected in another isolate, which then dies: it never reports.
    expect((await stub.admit(name, clock.now(), 1_000)).admission.kind).toBe("probe");
    expect((await stub.admit(name, clock.now() + 999, 1_000)).admission.kind).toBe("reject");
    clock.advance(1_000);
    const dep = counted(() => false);
    expect(await callDependency(ctx, name, dep.call)).toBe("answer");
    await settled();
    expect((await breakerView(name, clock.now())).state).toBe("closed");
  });

  it("a timeout aborts the call's signal and counts as a fault", async () => {
    const { ctx, clock, settled } = breakerWorld({ BREAKER_FAILURES: "2" });
    const name = uniqueDependency();
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>(() => {});
    };
    for (let i = 0; i < 2; i++) {
      expect(await reason(callDependency(ctx, name, hang, { timeoutMs: 30 }))).toBe("timeout");
      await settled();
    }
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect((signals[0]?.reason as Error | undefined)?.name).toBe("TimeoutError");
    expect(await breakerView(name, clock.now())).toMatchObject({
      state: "open",
      counters: { faults: 2, timeouts: 2 },
    });
    expect(await reason(callDependency(ctx, name, hang, { timeoutMs: 30 }))).toBe("open");
    expect(signals).toHaveLength(2);
  });

  it("an error that is not the dependency's fault is re-thrown unchanged and never opens it", async () => {
    const { ctx, clock, settled } = breakerWorld({ BREAKER_FAILURES: "2" });
    const name = uniqueDependency();
    const refusal = new Error("422: the message's fault");
    for (let i = 0; i < 6; i++) {
      const thrown = await callDependency(
        ctx,
        name,
        async () => {
          throw refusal;
        },
        { isFaultError: (e) => e !== refusal },
      ).catch((e: unknown) => e);
      expect(thrown).toBe(refusal);
      await settled();
    }
    expect((await breakerView(name, clock.now())).state).toBe("closed");
  });

  it("a returned fault (isFault) is still returned, and counted", async () => {
    const { ctx, clock, settled } = breakerWorld({ BREAKER_FAILURES: "2" });
    const name = uniqueDependency();
    const answer = { status: 503 };
    for (let i = 0; i < 2; i++) {
      expect(await callDependency(ctx, name, async () => answer, { isFault: (a) => a.status >= 500 })).toBe(
        answer,
      );
      await settled();
    }
    expect((await breakerView(name, clock.now())).state).toBe("open");
  });

  it("a healthy dependency reports nothing; a success after faults resets the consecutive count", async () => {
    const { ctx, clock, settled } = breakerWorld({ BREAKER_FAILURES: "3" });
    const name = uniqueDependency();
    const ok = counted(() => false);
    for (let i = 0; i < 20; i++) await callDependency(ctx, name, ok.call);
    await settled();
    // 20 successes, none reported: the object only admitted the first call of this isolate.
    expect(await breakerView(name, clock.now())).toMatchObject({
      state: "closed",
      counters: { successes: 0, faults: 0 },
    });
    const down = counted(() => true);
    for (let i = 0; i < 2; i++) {
      await reason(callDependency(ctx, name, down.call));
      await settled();
    }
    await callDependency(ctx, name, ok.call);
    await settled();
    expect(await breakerView(name, clock.now())).toMatchObject({
      consecutiveFaults: 0,
      counters: { successes: 1, faults: 2 },
    });
    for (let i = 0; i < 2; i++) {
      await reason(callDependency(ctx, name, down.call));
      await settled();
    }
    expect((await breakerView(name, clock.now())).state).toBe("closed"); // 2 consecutive, not 4
  });

  it("costs: closed and known, no Durable Object call; a new isolate, one; open, none until the retry time", async () => {
    const { ctx, clock, settled } = breakerWorld({ BREAKER_FAILURES: "2" });
    const name = uniqueDependency();
    const calls = countDurableObjectCalls(ctx);
    const ok = counted(() => false);
    await callDependency(ctx, name, ok.call);
    expect(calls).toEqual(["admit"]); // this isolate's first call of the dependency learns its state
    for (let i = 0; i < 50; i++) await callDependency(ctx, name, ok.call);
    await settled();
    expect(calls).toEqual(["admit"]);
    clock.advance(5_000); // the cached state is stale: the call goes, the state is re-read after it
    await callDependency(ctx, name, ok.call);
    await settled();
    expect(calls).toEqual(["admit", "peek"]);

    const down = counted(() => true);
    for (let i = 0; i < 2; i++) {
      await reason(callDependency(ctx, name, down.call));
      await settled();
    }
    expect(calls).toEqual(["admit", "peek", "report", "report"]); // each fault reported after the response
    for (let i = 0; i < 20; i++) await reason(callDependency(ctx, name, down.call));
    expect(calls).toHaveLength(4); // open: refused from the isolate's cache
    clock.advance(30_000);
    await callDependency(ctx, name, ok.call); // the probe: one call to be elected, one to report
    await settled();
    expect(calls.slice(4)).toEqual(["admit", "report"]);
    await callDependency(ctx, name, ok.call);
    await settled();
    expect(calls).toHaveLength(6); // closed again, and this isolate knows it
  });

  it("the breaker is never an outage of its own: with its object unreachable, calls go ahead", async () => {
    const { ctx, settled } = breakerWorld();
    const broken = {
      idFromName: () => {
        throw new Error("Durable Objects unavailable");
      },
    } as unknown as typeof ctx.env.CIRCUIT_BREAKER;
    ctx.env = { ...ctx.env, CIRCUIT_BREAKER: broken };
    const name = uniqueDependency();
    const ok = counted(() => false);
    expect(await callDependency(ctx, name, ok.call)).toBe("answer");
    const down = counted(() => true);
    expect(await reason(callDependency(ctx, name, down.call))).toBe("failure");
    await settled();
    expect(ok.calls.n + down.calls.n).toBe(2);
  });
});
