import { expect } from "vitest";
import { testWorker } from "./helpers";

/** The development metrics token (`.dev.vars.example`, the test env). */
export const METRICS_TOKEN = "dev-metrics-token-local-only";

/** GET /metrics as text (Prometheus exposition); a scrape flushes this isolate's pending increments first. */
export async function scrapeMetrics(app: ReturnType<typeof testWorker> = testWorker()): Promise<string> {
  const res = await app.request("GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return res.text();
}

/** The value of one series line (`name{labels}`), 0 when absent. */
export function seriesValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
