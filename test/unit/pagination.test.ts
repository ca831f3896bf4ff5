import { describe, expect, it } from "vitest";
import { paginate } from "../../src/platform/pagination";

describe("paginate", () => {
  const items = [1, 2, 3, 4, 5];
  it("walks the pages and ends with a null cursor", () => {
    expect(paginate(items, undefined, 2)).toEqual({ items: [1, 2], nextCursor: "2" });
    expect(paginate(items, "2", 2)).toEqual({ items: [3, 4], nextCursor: "4" });
    expect(paginate(items, "4", 2)).toEqual({ items: [5], nextCursor: null });
    expect(paginate(items, undefined, 5)).toEqual({ items, nextCursor: null });
    expect(paginate([], undefined, 50)).toEqual({ items: [], nextCursor: null });
  });
  it("treats a malformed cursor as the start and a cursor past the end as empty", () => {
    expect(paginate(items, "abc", 2)).toEqual({ items: [1, 2], nextCursor: "2" });
    expect(paginate(items, "-1", 2)).toEqual({ items: [1, 2], nextCursor: "2" });
    expect(paginate(items, "99", 2)).toEqual({ items: [], nextCursor: null });
  });
});
