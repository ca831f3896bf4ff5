import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../../src/crypto/password";
import { getDb } from "../../../src/db/client";
import { bootstrapAdmin } from "../../../src/features/admin/bootstrap";
import { parseConfig } from "../../../src/platform/config";
import { createContext } from "../../../src/platform/context";
import { defaultDeps } from "../../../src/platform/deps";
import { testWorker, uniqueEmail } from "../../support/helpers";

function deps(overrides: Partial<Cloudflare.Env>) {
  const bindings = { ...env, ...overrides } as Cloudflare.Env;
  const parsed = parseConfig(bindings);
  if (!parsed.ok) throw new Error(parsed.variables.join());
  return createContext(defaultDeps, { env: bindings, config: parsed.config });
}

describe("admin bootstrap", () => {
  it("creates a verified platform admin with passwordMustChange, idempotently", async () => {
    const email = uniqueEmail("admin");
    const s = deps({ ADMIN_EMAIL: email.toUpperCase(), ADMIN_PASSWORD: "bootstrap-pass-1" });
    expect(await bootstrapAdmin(s)).toBe("created");
    expect(await bootstrapAdmin(s)).toBe("exists");
    const users = await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).all<{
      id: string;
      email_verified_at: number | null;
      password_must_change: number;
      password_hash: string;
    }>();
    expect(users.results).toHaveLength(1);
    const user = users.results[0];
    expect(user?.email_verified_at).toBeTypeOf("number");
    expect(user?.password_must_change).toBe(1);
    expect(verifyPassword("bootstrap-pass-1", user?.password_hash ?? "")).toBe(true);
    const roles = await env.DB.prepare("SELECT role FROM user_platform_roles WHERE user_id = ?")
      .bind(user?.id)
      .all<{ role: string }>();
    expect(roles.results.map((r) => r.role)).toEqual(["admin"]);
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_logs WHERE action = 'admin.bootstrapped' AND target_id = ?",
    )
      .bind(user?.id)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
    expect(getDb(env.DB)).toBe(getDb(env.DB));
  });

  it("does nothing without both secrets", async () => {
    expect(await bootstrapAdmin(deps({ ADMIN_EMAIL: uniqueEmail(), ADMIN_PASSWORD: undefined }))).toBe(
      "skipped",
    );
  });

  it("runs once per isolate on the first request", async () => {
    const email = uniqueEmail("firstreq");
    const app = testWorker({ env: { ADMIN_EMAIL: email, ADMIN_PASSWORD: "bootstrap-pass-2" } });
    await app.request("GET", "/health");
    const row = await env.DB.prepare("SELECT password_must_change FROM users WHERE email = ?")
      .bind(email)
      .first();
    expect(row).toEqual({ password_must_change: 1 });
  });
});

describe("daily maintenance", () => {
  it("purges expired unverified registrations", async () => {
    const app = testWorker();
    const email = uniqueEmail("stale");
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: {
        email,
        password: "violet-anchor-meadow-42",
        teamName: "Stale",
        turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
      },
    });
    const { userId, teamId } = (await res.json()) as { userId: string; teamId: string };
    const { createExecutionContext, createScheduledController, waitOnExecutionContext } = await import(
      "cloudflare:test"
    );
    const run = async () => {
      const ctx = createExecutionContext();
      await app.worker.scheduled(createScheduledController(), app.bindings, ctx);
      await waitOnExecutionContext(ctx);
    };
    await run();
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(userId).first()).not.toBeNull();
    app.clock.advance(25 * 3600_000);
    await run();
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(userId).first()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM teams WHERE id = ?").bind(teamId).first()).toBeNull();
  });
});
