import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { expect } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { type testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

export type App = ReturnType<typeof testWorker>;
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A signed-in holder of a platform role: an owner granted the role in D1, who enrols 2FA at the login that
 * asks for it (platform roles sign in with a second factor), then exchanges for a session.
 */
export async function platformSession(app: App, role: "admin" | "support" | "billing_admin") {
  const user = await verifiedOwner(app, uniqueEmail(role.replace("_", "")));
  await env.DB.prepare("INSERT INTO user_platform_roles (user_id, role, granted_at) VALUES (?, ?, 0)")
    .bind(user.userId, role)
    .run();
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: user.email, password: user.password },
  });
  let step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  if (step.step === "mfa_setup") {
    const headers = { ...bearer(step.preAuthToken), cookie: `__Host-device=${step.deviceId}` };
    const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers });
    const setup = (await init.json()) as { challengeId: string; secret: string };
    const done = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
      headers,
      body: {
        challengeId: setup.challengeId,
        code: totpCode(decodeBase32IgnorePadding(setup.secret), totpCounter(app.clock.now())),
      },
    });
    step = { ...step, ...((await done.json()) as { preAuthToken: string }) };
  }
  const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId: user.teamId, deviceId: step.deviceId },
  });
  expect(exchange.status, `${step.step} ${await exchange.clone().text()}`).toBe(200);
  const { accessToken } = (await exchange.json()) as { accessToken: string };
  /** The session's cookies (`name=value`), for a page test's cookie jar. */
  const cookies = exchange.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");
  return { ...user, accessToken, headers: bearer(accessToken), cookies, deviceId: step.deviceId };
}

/** A random marker (hex) to keep one test's rows apart from every other test's in the shared D1. */
export function marker(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * Seeds `count` audit rows in one statement (a recursive CTE: D1 binds at most 100 parameters a statement).
 * Row i (1..count) has id `<prefix><i, 8 digits>`, at = `baseAt - floor(i / perMs)` (several rows share a
 * millisecond when perMs > 1), and the given team, ip, actor and action.
 */
export async function seedAuditRows(input: {
  count: number;
  prefix: string;
  baseAt: number;
  perMs?: number;
  teamId?: string | null;
  ip?: string | null;
  actorId?: string | null;
  action?: string;
  reason?: string | null;
}) {
  await env.DB.prepare(
    `INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id, team_id, ip, user_agent, reason, metadata)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     SELECT ?2 || printf('%08d', i), CAST(?3 AS INTEGER) - i / CAST(?4 AS INTEGER), ?5, ?6, 'user', ?2 || 't' || (i % 7), ?7, ?8, 'seed', ?9, '{"i":' || i || '}'
     FROM n`,
  )
    .bind(
      input.count,
      input.prefix,
      input.baseAt,
      input.perMs ?? 1,
      input.actorId ?? null,
      input.action ?? "login.failed",
      input.teamId ?? null,
      input.ip ?? null,
      input.reason ?? null,
    )
    .run();
}
