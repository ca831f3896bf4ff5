import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { METRICS_TOKEN, scrapeMetrics, seriesValue } from "../../support/metrics";

describe("GET /metrics", () => {
  it("needs the metrics token (401 otherwise, with WWW-Authenticate); absent without a configured token", async () => {
    const app = testWorker();
    const none = await app.request("GET", "/metrics");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await app.request("GET", "/metrics", {
      headers: { authorization: "Bearer not-the-token-at-all" },
    });
    expect(wrong.status).toBe(401);
    const off = testWorker({ env: { METRICS_TOKEN: undefined } });
    expect(
      (await off.request("GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }))
        .status,
    ).toBe(404);
  });

  it("counts logins by outcome and request durations by route pattern, read back from the aggregator", async () => {
    const app = testWorker();
    const before = await scrapeMetrics(app);
    const owner = await verifiedOwner(app, uniqueEmail("metrics"));
    const ok = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    expect(ok.status).toBe(200);
    const bad = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: "not-the-password-9" },
    });
    expect(bad.status).toBe(401);
    // The scrape forces this isolate's pending increments into the aggregator, then reads its sums.
    const after = await scrapeMetrics(testWorker());
    const series = (outcome: string) => `gatehouse_logins_total{outcome="${outcome}"}`;
    expect(
      seriesValue(after, series("success")) - seriesValue(before, series("success")),
    ).toBeGreaterThanOrEqual(1);
    expect(
      seriesValue(after, series("failure")) - seriesValue(before, series("failure")),
    ).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/gatehouse_login_steps_total\{step="select_team"\} \d+/);
    // Routes by pattern, never by raw path.
    expect(after).toContain(
      'gatehouse_http_request_duration_seconds_count{route="/api/v1/auth/login",status="2xx"}',
    );
    expect(after).toContain('route="/api/v1/auth/login",status="4xx"');
    expect(after).not.toContain(owner.email);
  });
  it("writes the same increments to Analytics Engine when METRICS_DATASET is bound (the ops/ dashboard's source)", async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const dataset = { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) };
    const app = testWorker({ env: { METRICS_DATASET: dataset as unknown as AnalyticsEngineDataset } });
    const owner = await verifiedOwner(app, uniqueEmail("ae"));
    const ok = await app.request("POST", "/api/v1/auth/login", {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    expect(ok.status).toBe(200);
    await scrapeMetrics(app); // a scrape flushes this isolate's buffer to both sinks
    const logins = points.filter(
      (p) => p.blobs?.[0] === "gatehouse_logins_total" && p.blobs?.[1] === "success",
    );
    expect(logins.length).toBeGreaterThanOrEqual(1);
    expect(logins.reduce((sum, p) => sum + (p.doubles?.[0] ?? 0), 0)).toBeGreaterThanOrEqual(1);
    const durations = points.filter((p) => p.blobs?.[0] === "gatehouse_http_request_duration_seconds_count");
    expect(durations.some((p) => p.blobs?.[1] === "/api/v1/auth/login" && p.blobs?.[2] === "2xx")).toBe(true);
    // nothing personal: no address, no IP in any point
    expect(JSON.stringify(points)).not.toContain(owner.email);
    expect(JSON.stringify(points)).not.toContain(app.ip);
  });
});
