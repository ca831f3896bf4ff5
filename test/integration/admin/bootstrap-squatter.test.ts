import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DUMMY_TURNSTILE, testWorker, uniqueEmail, waitForMail } from "../../support/helpers";

const SQUATTER_PASSWORD = "squatter-lantern-orbit-91";
const BOOTSTRAP_PASSWORD = "bootstrap-pass-3";

describe("admin bootstrap over an unverified registration of ADMIN_EMAIL", () => {
  it("never promotes the squatter: their registration is erased and the admin created from the secrets", async () => {
    const email = uniqueEmail("admin-squat");
    const squatter = testWorker();
    const res = await squatter.request("POST", "/api/v1/auth/register", {
      body: { email, password: SQUATTER_PASSWORD, teamName: "Squat", turnstileToken: DUMMY_TURNSTILE },
    });
    expect(res.status).toBe(201);
    const squat = (await res.json()) as { userId: string; teamId: string };
    await waitForMail(squatter, email, { template: "verify_email" });

    // a fresh isolate with the admin secrets bootstraps on its first request
    const app = testWorker({ env: { ADMIN_EMAIL: email, ADMIN_PASSWORD: BOOTSTRAP_PASSWORD } });
    const wrong = await app.request("POST", "/api/v1/auth/login", {
      body: { email, password: SQUATTER_PASSWORD },
    });
    expect(wrong.status).toBe(401);
    const right = await app.request("POST", "/api/v1/auth/login", {
      body: { email, password: BOOTSTRAP_PASSWORD },
    });
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ step: "password_change" });

    const user = await env.DB.prepare(
      "SELECT id, email_verified_at, password_must_change FROM users WHERE email = ?",
    )
      .bind(email)
      .first<{ id: string; email_verified_at: number | null; password_must_change: number }>();
    expect(user?.id).not.toBe(squat.userId);
    expect(user?.email_verified_at).toBeTypeOf("number");
    expect(user?.password_must_change).toBe(1);
    const roles = await env.DB.prepare("SELECT role FROM user_platform_roles WHERE user_id = ?")
      .bind(user?.id)
      .all<{ role: string }>();
    expect(roles.results.map((r) => r.role)).toEqual(["admin"]);
    // nothing of the squatter's is left: no team, no membership, no live verification link
    expect(await env.DB.prepare("SELECT id FROM teams WHERE id = ?").bind(squat.teamId).first()).toBeNull();
    expect(
      await env.DB.prepare("SELECT team_id FROM memberships WHERE user_id = ?").bind(user?.id).first(),
    ).toBeNull();
    expect(
      await env.DB.prepare(
        "SELECT id FROM audit_logs WHERE action = 'user.registration_replaced' AND target_id = ?",
      )
        .bind(squat.userId)
        .first(),
    ).not.toBeNull();
  });
});
