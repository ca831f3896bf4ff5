import { describe, expect, it } from "vitest";
import grafanaAlerts from "../../ops/grafana/alert-rules.yaml?raw";
import dashboardJson from "../../ops/grafana/gatehouse-dashboard.json?raw";
import prometheusRules from "../../ops/prometheus/gatehouse-rules.yml?raw";
import { DURATION_BUCKETS, dataPointOf, METRIC_CATALOGUE } from "../../src/platform/metrics";
import wrangler from "../../wrangler.toml?raw";

/**
 * The dashboard and alert rules shipped in ops/ must stay true to what the Worker writes: every metric they
 * query exists in the catalogue, in the Analytics Engine layout of dataPointOf, in the dataset wrangler binds.
 */
const names = new Set(
  Object.entries(METRIC_CATALOGUE).flatMap(([name, m]) =>
    m.type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  ),
);

/** The metric names a SQL text filters on (`blob1 = '…'` and `blob1 IN ('…', …)`). */
function sqlMetrics(text: string): string[] {
  const single = [...text.matchAll(/blob1 = '([a-z_]+)'/g)].map((m) => m[1] as string);
  const lists = [...text.matchAll(/blob1 (?:NOT )?IN \(([^)]*)\)/g)].flatMap((m) =>
    [...(m[1] ?? "").matchAll(/'([a-z_]+)'/g)].map((x) => x[1] as string),
  );
  return [...single, ...lists];
}

describe("ops/: the Grafana dashboard and the alert rules", () => {
  const dashboard = JSON.parse(dashboardJson) as {
    panels: { title: string; targets: { query: string }[] }[];
  };

  it("query only metrics of the catalogue, from the dataset wrangler binds", () => {
    expect(wrangler).toMatch(/binding = "METRICS_DATASET"\ndataset = "gatehouse_metrics"/);
    const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => t.query));
    expect(queries.length).toBeGreaterThanOrEqual(12);
    for (const text of [...queries, grafanaAlerts]) {
      const used = sqlMetrics(text);
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) expect(names, name).toContain(name);
    }
    for (const q of queries) expect(q).toContain("FROM gatehouse_metrics");
    const promNames = [...prometheusRules.matchAll(/\b(gatehouse_[a-z_]+)/g)].map((m) => m[1] as string);
    expect(promNames.length).toBeGreaterThan(8);
    for (const name of promNames) expect(names, name).toContain(name);
  });

  it("read the labels where dataPointOf writes them (blob2.. in the catalogue's order, le last)", () => {
    const point = dataPointOf({
      name: "gatehouse_http_request_duration_seconds_bucket",
      labels: { status: "5xx", le: "0.25", route: "/api/v1/auth/login" },
      value: 3,
    });
    expect(point.blobs?.slice(0, 4)).toEqual([
      "gatehouse_http_request_duration_seconds_bucket",
      "/api/v1/auth/login",
      "5xx",
      "0.25",
    ]);
    expect(point.doubles).toEqual([3]);
    expect(point.indexes).toEqual(["gatehouse_http_request_duration_seconds_bucket"]);
    const login = dataPointOf({ name: "gatehouse_logins_total", labels: { outcome: "success" }, value: 1 });
    expect(login.blobs?.slice(0, 2)).toEqual(["gatehouse_logins_total", "success"]);
    // the status class is blob3 for the duration count, the outcome blob2 for logins: as the queries assume
    expect(dashboardJson).toContain("blob3 = '5xx'");
    expect(dashboardJson).toContain("blob2 = 'success'");
  });

  it("the 150 ms KPI counts exactly the buckets above 0.15 s", () => {
    const fast = DURATION_BUCKETS.filter((b) => b <= 0.15).map((b) => `'${b}'`);
    const list = `blob4 NOT IN (${fast.join(", ")})`;
    expect(dashboardJson).toContain(list);
    expect(grafanaAlerts).toContain(list);
  });

  it("every alert is detected within the 2-minute MTTD target (30 s evaluation, for ≤ 2m)", () => {
    expect(grafanaAlerts).toContain("interval: 30s");
    const fors = [...grafanaAlerts.matchAll(/\n\s+for: (\d+)([sm])/g)].map((m) =>
      m[2] === "m" ? Number(m[1]) * 60 : Number(m[1]),
    );
    expect(fors.length).toBe([...grafanaAlerts.matchAll(/- uid: /g)].length);
    for (const seconds of fors) expect(seconds + 30).toBeLessThanOrEqual(150);
    const promFors = [...prometheusRules.matchAll(/\n\s+for: (\d+)m/g)].map((m) => Number(m[1]));
    for (const minutes of promFors) expect(minutes).toBeLessThanOrEqual(2);
  });
});
