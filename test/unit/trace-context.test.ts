import { describe, expect, it } from "vitest";
import { formatTraceparent, parseTraceparent } from "../../src/http/traceparent";

// Vectors from W3C Trace Context (https://www.w3.org/TR/trace-context/#examples-of-http-traceparent-headers).
const EXAMPLE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("traceparent (W3C Trace Context §3.2)", () => {
  it("parses the specification's example and formats it back", () => {
    const t = parseTraceparent(EXAMPLE);
    expect(t).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      sampled: true,
    });
    expect(formatTraceparent(t as NonNullable<typeof t>)).toBe(EXAMPLE);
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled).toBe(false);
  });

  it.each([
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["all-zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ["upper-case hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"],
    ["short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"],
    ["version 00 with extra fields", `${EXAMPLE}-extra`],
    ["garbage", "hello"],
    ["empty", ""],
  ])("refuses %s", (_why, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it("reads a later version's first four fields (forward compatibility)", () => {
    expect(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future")?.traceId).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
  });
});
