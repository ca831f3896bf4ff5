import { describe, expect, it } from "vitest";
import { isSampled } from "../../src/platform/logger";

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
