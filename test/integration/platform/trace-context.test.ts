import { afterEach, describe, expect, it, vi } from "vitest";
import { testWorker } from "../../support/helpers";

const INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("trace context and log correlation", () => {
  afterEach(() => vi.restoreAllMocks());

  it("continues an incoming trace with a new span, and starts one otherwise", async () => {
    const app = testWorker();
    const continued = await app.request("GET", "/health", { headers: { traceparent: INCOMING } });
    const out = continued.headers.get("traceparent") ?? "";
    expect(out).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(out).not.toBe(INCOMING);
    for (const header of [undefined, "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]) {
      const fresh = await app.request("GET", "/health", header ? { headers: { traceparent: header } } : {});
      const t = fresh.headers.get("traceparent") ?? "";
      expect(t).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(t.slice(3, 35)).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    }
  });

  it("every log line of a request carries its request id and trace id; the request line its route and latency", async () => {
    const lines: Record<string, unknown>[] = [];
    for (const level of ["log", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((text: unknown) => {
        try {
          lines.push(JSON.parse(String(text)) as Record<string, unknown>);
        } catch {
          // not one of ours
        }
      });
    }
    const app = testWorker();
    const res = await app.request("POST", "/api/v1/auth/login", {
      headers: { traceparent: INCOMING },
      body: { email: "nobody@example.com", password: "not-the-password-1" },
    });
    expect(res.status).toBe(401);
    const requestId = res.headers.get("x-request-id");
    const mine = lines.filter((l) => l.requestId === requestId);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    for (const line of mine) expect(line.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    const request = mine.find((l) => l.msg === "request");
    expect(request).toMatchObject({ route: "/api/v1/auth/login", status: 401, method: "POST" });
    expect(typeof request?.durationMs).toBe("number");
    // nothing personal in any of them
    expect(JSON.stringify(mine)).not.toContain("nobody@example.com");
    expect(JSON.stringify(mine)).not.toContain("not-the-password-1");
  });
});
