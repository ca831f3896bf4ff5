import { describe, expect, it } from "vitest";
import { platformSession } from "../../support/admin";
import { DUMMY_TURNSTILE, GOOD_PASSWORD, testWorker, uniqueEmail } from "../../support/helpers";
import { FORBIDDEN_COPY, ownerSession } from "../../support/teams";

type Call = (method: string, path: string, body?: unknown) => Promise<Response>;

const reason = { reason: "ticket 4711" };

/** Every admin users endpoint with a body it accepts. */
type Request = readonly [method: string, path: string, body?: unknown];

function endpoints(userId: string): Record<Endpoint, Request> {
  const base = `/api/v1/admin/users/${userId}`;
  return {
    search: ["GET", "/api/v1/admin/users"],
    detail: ["GET", base],
    lock: ["POST", `${base}/lock`, reason],
    unlock: ["POST", `${base}/unlock`, reason],
    resetMfa: ["POST", `${base}/reset-2fa`, reason],
    revokeSessions: ["POST", `${base}/revoke-sessions`, reason],
    resendVerification: ["POST", `${base}/resend-verification`, reason],
    roles: ["POST", `${base}/roles`, { roles: ["support"], reason: "on call" }],
    erase: ["DELETE", base, reason],
  };
}

const ENDPOINTS = [
  "search",
  "detail",
  "lock",
  "unlock",
  "resetMfa",
  "revokeSessions",
  "resendVerification",
  "roles",
  "erase",
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

async function statusOf(call: Call, userId: string, which: Endpoint): Promise<number> {
  const [method, path, body] = endpoints(userId)[which];
  return (await call(method, path, body)).status;
}

/** A verified owner who never enrolled 2FA (reset-2fa answers 409 for them, after the role check). */
async function target(app: ReturnType<typeof testWorker>) {
  return (await ownerSession(app)).userId;
}

describe("admin users API: who may do what", () => {
  it("answers 401 without a token and 403 to a user without a platform role", async () => {
    const app = testWorker();
    const someone = await ownerSession(app);
    const anonymous: Call = (method, path, body) => app.request(method, path, body ? { body } : {});
    for (const which of ENDPOINTS) {
      expect(await statusOf(anonymous, someone.userId, which), which).toBe(401);
      const [method, path, body] = endpoints(someone.userId)[which];
      const res = await someone.call(method, path, body);
      expect(res.status, which).toBe(403);
      expect(((await res.json()) as { detail: string }).detail).toBe(FORBIDDEN_COPY);
    }
  });

  it("billing_admin reads users and may change nothing", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const billing = await platformSession(app, ["billing_admin"]);
    const userId = await target(app);
    expect(await statusOf(billing.call, userId, "search")).toBe(200);
    expect(await statusOf(billing.call, userId, "detail")).toBe(200);
    for (const which of [
      "lock",
      "unlock",
      "resetMfa",
      "revokeSessions",
      "resendVerification",
      "roles",
      "erase",
    ] as const) {
      expect(await statusOf(billing.call, userId, which), which).toBe(403);
    }
  });

  it("support unlocks, resends verification and revokes sessions, but cannot lock, reset 2FA, change roles or erase", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const support = await platformSession(app, ["support"]);
    const userId = await target(app);
    expect(await statusOf(support.call, userId, "search")).toBe(200);
    expect(await statusOf(support.call, userId, "detail")).toBe(200);
    expect(await statusOf(support.call, userId, "unlock")).toBe(204);
    expect(await statusOf(support.call, userId, "revokeSessions")).toBe(204);
    // allowed, but the address is verified already
    expect(await statusOf(support.call, userId, "resendVerification")).toBe(409);
    for (const which of ["lock", "resetMfa", "roles", "erase"] as const) {
      expect(await statusOf(support.call, userId, which), which).toBe(403);
    }
    // an unverified registration gets a fresh link from support
    const email = uniqueEmail("pending");
    const reg = await app.request("POST", "/api/v1/auth/register", {
      body: { email, password: GOOD_PASSWORD, teamName: "Pending", turnstileToken: DUMMY_TURNSTILE },
    });
    const { userId: pendingId } = (await reg.json()) as { userId: string };
    expect(await statusOf(support.call, pendingId, "resendVerification")).toBe(202);
    // the reason is optional here, and the body too
    expect((await support.call("POST", `/api/v1/admin/users/${pendingId}/resend-verification`)).status).toBe(
      202,
    );
  });

  it("an admin may do everything to others, nothing of it to themselves, and every reason is required", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const admin = await platformSession(app, ["admin"]);
    for (const which of ["lock", "resetMfa", "roles", "erase"] as const) {
      expect(await statusOf(admin.call, admin.userId, which), which).toBe(403);
    }
    const userId = await target(app);
    const base = `/api/v1/admin/users/${userId}`;
    for (const path of ["lock", "unlock", "reset-2fa", "revoke-sessions", "roles"]) {
      expect((await admin.call("POST", `${base}/${path}`, {})).status, path).toBe(422);
      expect((await admin.call("POST", `${base}/${path}`, { reason: "   " })).status, path).toBe(422);
      expect((await admin.call("POST", `${base}/${path}`, { reason: "x".repeat(501) })).status, path).toBe(
        422,
      );
    }
    expect((await admin.call("DELETE", base, {})).status).toBe(422);
    expect((await admin.call("POST", `${base}/roles`, { roles: ["root"], reason: "x" })).status).toBe(422);
    // a user without 2FA has nothing to reset
    expect(await statusOf(admin.call, userId, "resetMfa")).toBe(409);
    expect(await statusOf(admin.call, userId, "lock")).toBe(204);
    expect(await statusOf(admin.call, userId, "unlock")).toBe(204);
    expect(await statusOf(admin.call, userId, "roles")).toBe(200);
    const unknown = crypto.randomUUID();
    for (const which of ["detail", "lock", "unlock", "revokeSessions", "roles", "erase"] as const) {
      expect(await statusOf(admin.call, unknown, which), which).toBe(404);
    }
  });
});
