import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";

describe("operations endpoints", () => {
  it("answers liveness and readiness", async () => {
    const app = testWorker();
    const live = await app.request("GET", "/health");
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    const ready = await app.request("GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { d1: "ok", kv: "ok" } });
  });

  it("sets security headers and a request id", async () => {
    const res = await testWorker().request("GET", "/health");
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=(\d+)/);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("strict-transport-security") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(31536000);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers unknown paths with problem+json 404", async () => {
    const res = await testWorker().request("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, code: "not_found" });
  });

  it("answers 503 naming a missing secret instead of crashing", async () => {
    const app = testWorker({ env: { TURNSTILE_SECRET_KEY: undefined } });
    const res = await app.request("GET", "/health");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { code: string; detail: string; variables: string[] };
    expect(body.code).toBe("misconfigured");
    expect(body.variables).toEqual(["TURNSTILE_SECRET_KEY"]);
    expect(body.detail).toContain("TURNSTILE_SECRET_KEY");
  });

  it("serves the OpenAPI 3.1 document and the docs page", async () => {
    const app = testWorker();
    const res = await app.request("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/auth/register",
        "/api/v1/auth/verify-email",
        "/api/v1/auth/resend-verification",
        "/api/v1/auth/login/status",
        "/api/v1/auth/login/approve",
        "/api/v1/auth/login/deny",
        "/api/v1/auth/concurrent/approve",
        "/api/v1/auth/concurrent/deny",
      ]),
    );
    const docs = await app.request("GET", "/docs");
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain("/api/v1/auth/register");
    expect(html).not.toMatch(/<script[^>]+src=|https:\/\/cdn/);
  });

  it("allows CORS only for configured origins", async () => {
    const app = testWorker();
    const allowed = await app.request("OPTIONS", "/api/v1/auth/register", {
      headers: { origin: "http://localhost:8787", "access-control-request-method": "POST" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:8787");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const denied = await app.request("OPTIONS", "/api/v1/auth/register", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});
