import { afterEach, describe, expect, it, vi } from "vitest";
import { signIn, testWorker, verifiedOwner } from "../../support/helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every JSON line the Worker writes to the console while `fn` runs. */
async function captured(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
  }
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

const requestLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === "request");

/** A D1 binding that fails every statement: a route that reads D1 answers 500. */
const brokenD1 = {
  prepare() {
    throw new Error("D1 unavailable");
  },
  batch() {
    return Promise.reject(new Error("D1 unavailable"));
  },
  exec() {
    return Promise.reject(new Error("D1 unavailable"));
  },
} as unknown as D1Database;

describe("request logs: level and sampling", () => {
  it("LOG_SAMPLE_RATE=0: a successful request writes no line; a 401 on /auth/me, a 404 and a 500 still do", async () => {
    const owner = await verifiedOwner(testWorker());
    const session = await signIn(testWorker(), owner.email, owner.password, owner.teamId);

    // Another test worker is another client (its own IP): binding is off here, this test is about sampling.
    const app = testWorker({ env: { LOG_SAMPLE_RATE: "0", SESSION_BINDING: "off" } });
    const ok = await captured(async () => {
      expect((await app.request("GET", "/health")).status).toBe(200);
      const me = await app.request("GET", "/api/v1/auth/me", {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(me.status).toBe(200);
    });
    expect(ok).toEqual([]);

    const refused = await captured(async () => {
      expect((await app.request("GET", "/api/v1/auth/me")).status).toBe(401);
    });
    expect(requestLines(refused)).toMatchObject([{ level: "warn", path: "/api/v1/auth/me", status: 401 }]);

    // every problem answer keeps its line, so the requestId in its body always finds it
    const missing = await captured(async () => {
      const res = await app.request("GET", "/api/v1/no-such-route");
      expect(res.status).toBe(404);
      expect(((await res.json()) as { requestId?: string }).requestId).toBeTruthy();
    });
    expect(requestLines(missing)).toMatchObject([
      { level: "warn", path: "/api/v1/no-such-route", status: 404 },
    ]);

    const broken = testWorker({ env: { LOG_SAMPLE_RATE: "0", SESSION_BINDING: "off", DB: brokenD1 } });
    const failed = await captured(async () => {
      const teams = await broken.request("GET", "/api/v1/teams", {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(teams.status).toBe(500);
    });
    expect(requestLines(failed)).toMatchObject([{ level: "error", path: "/api/v1/teams", status: 500 }]);
    expect(failed.some((l) => l.msg === "request failed")).toBe(true);
  });

  it("a security event keeps its whole request, whatever the sampling", async () => {
    const app = testWorker({ env: { LOG_SAMPLE_RATE: "0" } });
    const lines = await captured(async () => {
      const res = await app.request("GET", "/api/v1/teams", {
        headers: { authorization: "Bearer not.a.jwt" },
      });
      expect(res.status).toBe(401);
    });
    expect(lines.find((l) => l.msg === "request refused")).toMatchObject({ security: true });
    expect(requestLines(lines)).toMatchObject([{ path: "/api/v1/teams", status: 401 }]);
  });

  it("LOG_SAMPLE_RATE=1 logs every request; LOG_LEVEL=warn drops the successful ones", async () => {
    const all = testWorker({ env: { LOG_SAMPLE_RATE: "1" } });
    const kept = await captured(() => all.request("GET", "/health"));
    expect(requestLines(kept)).toMatchObject([{ level: "info", path: "/health", status: 200 }]);

    const quiet = testWorker({ env: { LOG_SAMPLE_RATE: "1", LOG_LEVEL: "warn" } });
    const dropped = await captured(async () => {
      await quiet.request("GET", "/health");
      await quiet.request("GET", "/api/v1/auth/me");
    });
    expect(requestLines(dropped)).toMatchObject([{ level: "warn", path: "/api/v1/auth/me", status: 401 }]);
  });
});
