import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { expect } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import type { testWorker } from "../../support/helpers";
import { as } from "../../support/teams";

type App = ReturnType<typeof testWorker>;

export const MINUTE = 60_000;
/** Access tokens outlive STEP_UP_MAX_AGE (600 s) here, so a test can age an authentication without a refresh. */
export const LONG_TOKENS = { ACCESS_TOKEN_TTL: "900", SINGLE_SESSION: "false" };

export function claimsOf(token: string): Record<string, unknown> {
  const [, payload] = token.split(".");
  return JSON.parse(atob((payload ?? "").replaceAll("-", "+").replaceAll("_", "/"))) as Record<
    string,
    unknown
  >;
}

export function sidOf(token: string): string {
  return claimsOf(token).sid as string;
}

/** Creates an API key (a sensitive action) with the bearer token. */
export function createKey(app: App, token: string, teamId: string) {
  return as(app, token)("POST", `/api/v1/teams/${teamId}/api-keys`, {
    name: "ci",
    permissions: ["team:read"],
  });
}

export async function stepUp(app: App, token: string, proof: Record<string, string>) {
  return app.request("POST", "/api/v1/auth/step-up", {
    headers: { authorization: `Bearer ${token}` },
    body: proof,
  });
}

/** Turns 2FA on from the signed-in session (fresh); answers the TOTP generator. */
export async function enableTwoFactor(app: App, token: string) {
  const call = as(app, token);
  const init = await call("POST", "/api/v1/auth/2fa/enable-init", {});
  expect(init.status).toBe(200);
  const setup = (await init.json()) as { challengeId: string; secret: string };
  const secret = decodeBase32IgnorePadding(setup.secret);
  const code = () => totpCode(secret, totpCounter(app.clock.now()));
  const done = await call("POST", "/api/v1/auth/2fa/enable-complete", {
    challengeId: setup.challengeId,
    code: code(),
  });
  expect(done.status).toBe(200);
  return code;
}

export async function setRisk(sessionId: string, score: number): Promise<void> {
  await env.DB.prepare("UPDATE sessions SET risk_score = ? WHERE id = ?").bind(score, sessionId).run();
}

export async function activityOutcomes(userId: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT outcome FROM login_events WHERE user_id = ? ORDER BY at")
    .bind(userId)
    .all<{ outcome: string }>();
  return rows.results.map((r) => r.outcome);
}
