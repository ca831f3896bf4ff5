import { describe, expect, it } from "vitest";
import { exposition } from "../../src/features/metrics/exposition";

describe("Prometheus exposition", () => {
  it("writes HELP and TYPE for every metric, zero for unlabelled counters, labelled series as summed", () => {
    const text = exposition([
      { name: "gatehouse_logins_total", labels: { outcome: "success" }, value: 3 },
      { name: "gatehouse_logins_total", labels: { outcome: "failure" }, value: 1 },
    ]);
    expect(text).toContain("# HELP gatehouse_logins_total Password steps of logins, by outcome\n");
    expect(text).toContain("# TYPE gatehouse_logins_total counter\n");
    expect(text).toContain('gatehouse_logins_total{outcome="success"} 3\n');
    expect(text).toContain('gatehouse_logins_total{outcome="failure"} 1\n');
    expect(text).toContain("gatehouse_lockouts_total 0\n");
    expect(text).toContain("# TYPE gatehouse_http_request_duration_seconds histogram\n");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("renders histograms with cumulative buckets, +Inf equal to the count, and the sum", () => {
    const labels = { route: "/health", status: "2xx" };
    const text = exposition([
      {
        name: "gatehouse_http_request_duration_seconds_bucket",
        labels: { ...labels, le: "0.005" },
        value: 2,
      },
      { name: "gatehouse_http_request_duration_seconds_bucket", labels: { ...labels, le: "0.1" }, value: 1 },
      { name: "gatehouse_http_request_duration_seconds_bucket", labels: { ...labels, le: "+Inf" }, value: 1 },
      { name: "gatehouse_http_request_duration_seconds_sum", labels, value: 12.0135 },
      { name: "gatehouse_http_request_duration_seconds_count", labels, value: 4 },
    ]);
    const line = (le: string) =>
      `gatehouse_http_request_duration_seconds_bucket{route="/health",status="2xx",le="${le}"}`;
    expect(text).toContain(`${line("0.005")} 2\n`);
    expect(text).toContain(`${line("0.05")} 2\n`);
    expect(text).toContain(`${line("0.1")} 3\n`);
    expect(text).toContain(`${line("10")} 3\n`);
    expect(text).toContain(`${line("+Inf")} 4\n`);
    expect(text).toContain(
      'gatehouse_http_request_duration_seconds_sum{route="/health",status="2xx"} 12.0135\n',
    );
    expect(text).toContain('gatehouse_http_request_duration_seconds_count{route="/health",status="2xx"} 4\n');
  });

  it("escapes label values (backslash, double quote, line feed)", () => {
    const text = exposition([
      { name: "gatehouse_rate_limited_total", labels: { rule: 'a"b\\c\nd' }, value: 1 },
    ]);
    expect(text).toContain('gatehouse_rate_limited_total{rule="a\\"b\\\\c\\nd"} 1\n');
  });
});
