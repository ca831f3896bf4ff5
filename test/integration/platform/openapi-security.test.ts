import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";

/**
 * Guards are declared on the route (src/auth/guards.ts), so the OpenAPI document says which operations need
 * which credentials — and the document tells the truth: every operation it marks as secured refuses a request
 * without credentials, before looking at the request's body or parameters.
 */
interface Operation {
  security?: Record<string, string[]>[];
  requestBody?: unknown;
}

describe("OpenAPI security schemes", () => {
  it("declares the schemes, and what each guarded operation accepts", async () => {
    const app = testWorker();
    const doc = (await (await app.request("GET", "/api/v1/openapi.json")).json()) as {
      components: { securitySchemes: Record<string, { type: string }> };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "apiKey",
      "bearerAuth",
      "cookieAuth",
      "csrfToken",
    ]);
    const schemes = (path: string, method: string) =>
      (doc.paths[path]?.[method]?.security ?? []).map((r) => Object.keys(r).sort().join("+"));
    expect(schemes("/api/v1/auth/me", "get")).toEqual(["bearerAuth", "cookieAuth+csrfToken"]);
    expect(schemes("/api/v1/teams/{teamId}/members", "get")).toEqual([
      "bearerAuth",
      "cookieAuth+csrfToken",
      "apiKey",
    ]);
    // Team deletion and ownership transfer are for people, never for API keys.
    expect(schemes("/api/v1/teams/{teamId}", "delete")).not.toContain("apiKey");
    expect(schemes("/api/v1/teams/{teamId}/ownership-transfer", "post")).not.toContain("apiKey");
    expect(schemes("/api/v1/auth/login", "post")).toEqual([]);
    expect(schemes("/.well-known/jwks.json", "get")).toEqual([]);
  });

  it("every operation the document marks as secured answers 401 without credentials", async () => {
    const app = testWorker();
    const doc = (await (await app.request("GET", "/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const secured = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.security ?? []).length > 0)
        .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
    expect(secured.length).toBeGreaterThan(30);
    for (const { method, path, op } of secured) {
      const concrete = path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
      // a body only where the operation declares one (others refuse any body: openapi-request-bodies.test.ts)
      const res = await app.request(method, concrete, op.requestBody ? { body: {} } : {});
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});
