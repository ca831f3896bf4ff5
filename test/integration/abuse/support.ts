import { expect } from "vitest";
import type { testWorker } from "../../support/helpers";

/** Lowered thresholds (the defaults are 20/30/40 accounts, 10 for spraying, 30 logins a minute). */
export const LOW_THRESHOLDS = {
  ABUSE_WINDOW: "600",
  ABUSE_STUFFING_ACCOUNTS: "5/8/10",
  ABUSE_SPRAY_ACCOUNTS: "4",
  ABUSE_SIGNAL_SECONDS: "900",
  ABUSE_NETWORK_LOGINS: "6",
  ABUSE_SIGNUP_BURST: "3/6",
};

export type App = ReturnType<typeof testWorker>;

let asnCounter = 0;
/** An ASN of the private range (RFC 6996), different for every call in a run. */
export function freshAsn(): string {
  asnCounter += 1;
  return String(4_200_000_000 + (Date.now() % 1_000_000) * 10 + asnCounter);
}

/** An address in `prefix` (a.b.c) with a random last octet. */
export function ipIn(prefix: string): string {
  return `${prefix}.${1 + Math.floor(Math.random() * 254)}`;
}

/** A random /24 of 198.18.0.0/15 (RFC 2544 benchmarking addresses): `198.1x.y`. */
export function randomPrefix(): string {
  const b = crypto.getRandomValues(new Uint8Array(2));
  return `198.${18 + ((b[0] ?? 0) % 2)}.${b[1]}`;
}

export async function attemptLogin(
  app: App,
  input: { email: string; password: string; ip: string; asn?: string; turnstileToken?: string },
) {
  const res = await app.request("POST", "/api/v1/auth/login", {
    body: {
      email: input.email,
      password: input.password,
      ...(input.turnstileToken ? { turnstileToken: input.turnstileToken } : {}),
    },
    headers: { "cf-connecting-ip": input.ip, ...(input.asn ? { "cf-asn": input.asn } : {}) },
  });
  const body = (await res.json()) as { code?: string; step?: string };
  return { status: res.status, code: body.code, step: body.step, retryAfter: res.headers.get("retry-after") };
}

/** Audit entries of an action, read straight from D1 (target = the network key). */
export async function auditEntries(app: App, action: string) {
  const { results } = await app.bindings.DB.prepare(
    "SELECT action, target_type, target_id, metadata FROM audit_logs WHERE action = ?",
  )
    .bind(action)
    .all<{ action: string; target_type: string; target_id: string; metadata: string }>();
  return results;
}

export function expectRefusedByNetwork(outcome: { status: number; code?: string }) {
  expect([400, 429]).toContain(outcome.status);
  expect(["captcha_required", "rate_limited"]).toContain(outcome.code);
}
