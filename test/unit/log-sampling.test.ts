import { afterEach, describe, expect, it, vi } from "vitest";
import { inLogScope, isSampled, LogScope, log, logger } from "../../src/platform/logger";

const ids = Array.from({ length: 10_000 }, () => crypto.randomUUID());

describe("isSampled: request-log sampling by request id", () => {
  it("is a function of the id: the same id always decides the same", () => {
    for (const id of ids.slice(0, 200)) {
      expect(isSampled(id, 0.1)).toBe(isSampled(id, 0.1));
    }
    expect(isSampled("req-fixed-1", 0.5)).toBe(isSampled("req-fixed-1", 0.5));
  });

  it("rate 1 keeps every request, rate 0 none", () => {
    expect(ids.every((id) => isSampled(id, 1))).toBe(true);
    expect(ids.some((id) => isSampled(id, 0))).toBe(false);
  });

  it("rate 0.1 keeps about a tenth, and a request kept at 0.1 is kept at any higher rate", () => {
    const kept = ids.filter((id) => isSampled(id, 0.1));
    expect(kept.length).toBeGreaterThan(800);
    expect(kept.length).toBeLessThan(1200);
    expect(kept.every((id) => isSampled(id, 0.5))).toBe(true);
    const half = ids.filter((id) => isSampled(id, 0.5)).length;
    expect(half).toBeGreaterThan(4700);
    expect(half).toBeLessThan(5300);
  });
});

describe("LogScope: a request's lines are written together or not at all", () => {
  function capture() {
    const lines: string[] = [];
    for (const method of ["log", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((line: unknown) => {
        lines.push(String(line));
      });
    }
    return lines;
  }
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("holds lines until the decision; a dropped request writes only its forced lines", () => {
    const lines = capture();
    const dropped = new LogScope();
    inLogScope(dropped, () => {
      log("info", "step one");
      log("warn", "step two");
    });
    expect(lines).toEqual([]);
    expect(dropped.mustKeep).toBe(false);
    dropped.settle({ keep: false, minLevel: "debug" });
    expect(lines).toEqual([]);

    const kept = new LogScope();
    inLogScope(kept, () => {
      log("debug", "detail");
      log("info", "step one");
    });
    kept.settle({ keep: true, minLevel: "info" });
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["step one"]);
  });

  it("an error or a security event marks the request to keep and is written whatever the decision", () => {
    const lines = capture();
    const scope = new LogScope();
    inLogScope(scope, () => {
      log("info", "before");
      logger.security("token refused", { token: "secret-value" });
    });
    expect(scope.mustKeep).toBe(true);
    scope.settle({ keep: false, minLevel: "error" });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: "warn", msg: "token refused", token: "[redacted]", security: true },
    ]);
    // after the decision, lines follow it at once
    inLogScope(scope, () => log("info", "later"));
    inLogScope(scope, () => log("error", "later failure"));
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["token refused", "later failure"]);
  });
});
