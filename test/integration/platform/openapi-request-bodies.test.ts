import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signIn, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

/**
 * The OpenAPI document declares every request body the Worker accepts: an operation that declares none refuses
 * a body (so a validating proxy in front of Gatehouse and the Worker agree on every call).
 */
interface Operation {
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ID = "00000000-0000-4000-8000-000000000000";

async function openapi(app: ReturnType<typeof testWorker>): Promise<Doc> {
  return (await (await app.request("GET", "/api/v1/openapi.json")).json()) as Doc;
}

describe("OpenAPI request bodies", () => {
  it("every operation that declares no request body refuses one (422), whoever calls", async () => {
    const app = testWorker();
    const doc = await openapi(app);
    const withoutBody = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => !op.requestBody && ["post", "put", "patch", "delete"].includes(method))
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
    expect(withoutBody.length).toBeGreaterThanOrEqual(5);
    for (const { method, path } of withoutBody) {
      const res = await app.request(method, path.replace(/\{[^}]+\}/g, ID), { body: { unexpected: true } });
      const problem = (await res.json()) as { code: string; errors?: { path: string; message: string }[] };
      expect({ method, path, status: res.status, code: problem.code }).toEqual({
        method,
        path,
        status: 422,
        code: "validation_failed",
      });
      expect(problem.errors).toEqual([{ path: "", message: "This endpoint takes no request body." }]);
    }
  });

  it("declares the optional bodies of 2fa/enable-init and logout", async () => {
    const doc = await openapi(testWorker());
    for (const path of ["/api/v1/auth/2fa/enable-init", "/api/v1/auth/logout"]) {
      const body = doc.paths[path]?.post?.requestBody;
      expect({ path, required: body?.required }).toEqual({ path, required: false });
      expect(Object.keys(body?.content ?? {})).toEqual(["application/json"]);
    }
    const initSchema = JSON.stringify(doc.paths["/api/v1/auth/2fa/enable-init"]?.post?.requestBody);
    expect(initSchema).toContain("deviceId");
  });

  it("logout takes no body or an empty JSON object, and refuses unknown fields", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("bye"));
    const a = await signIn(app, owner.email, owner.password, owner.teamId);
    expect(
      (await app.request("POST", "/api/v1/auth/logout", { headers: bearer(a.accessToken), body: {} })).status,
    ).toBe(204);
    const b = await signIn(app, owner.email, owner.password, owner.teamId);
    const unknown = await app.request("POST", "/api/v1/auth/logout", {
      headers: bearer(b.accessToken),
      body: { everywhere: true },
    });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ errors: [{ path: "everywhere" }] });
    expect(
      (await app.request("POST", "/api/v1/auth/logout", { headers: bearer(b.accessToken) })).status,
    ).toBe(204);
  });

  it("enable-init takes an empty object when signed in, and a non-browser login's deviceId at mfa_setup", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app, uniqueEmail("init"));
    const session = await signIn(app, owner.email, owner.password, owner.teamId);
    const signedIn = await app.request("POST", "/api/v1/auth/2fa/enable-init", {
      headers: bearer(session.accessToken),
      body: {},
    });
    expect(signedIn.status).toBe(200);

    // a platform admin must enrol at login; a non-browser client has no device cookie, only the deviceId
    const admin = await verifiedOwner(app, uniqueEmail("init-admin"));
    await env.DB.prepare("INSERT INTO user_platform_roles (user_id, role, granted_at) VALUES (?, 'admin', 0)")
      .bind(admin.userId)
      .run();
    const login = await app.request("POST", "/api/v1/auth/login", {
      headers: { cookie: "none=1" },
      body: { email: admin.email, password: admin.password },
    });
    const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
    expect(step.step).toBe("mfa_setup");
    const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", {
      headers: bearer(step.preAuthToken),
      body: { deviceId: step.deviceId },
    });
    expect(init.status).toBe(200);
    expect(await init.json()).toHaveProperty("challengeId");
    const unknown = await app.request("POST", "/api/v1/auth/2fa/enable-init", {
      headers: bearer(step.preAuthToken),
      body: { deviceId: step.deviceId, label: "phone" },
    });
    expect(unknown.status).toBe(422);
  });
});
