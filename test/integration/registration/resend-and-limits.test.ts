import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../../../durable-objects/rate-limiter";
import { DUMMY_TURNSTILE, GOOD_PASSWORD, testWorker, uniqueEmail, waitForMail } from "../../support/helpers";

async function register(app: ReturnType<typeof testWorker>, email: string) {
  const res = await app.request("POST", "/api/v1/auth/register", {
    body: { email, password: GOOD_PASSWORD, teamName: "Resenders", turnstileToken: DUMMY_TURNSTILE },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { userId: string };
}

async function auditCount(action: string, targetId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE action = ? AND target_id = ?")
    .bind(action, targetId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("POST /api/v1/auth/resend-verification", () => {
  it("answers 202 for unknown, unverified and verified addresses alike", async () => {
    const app = testWorker();
    const unknown = await app.request("POST", "/api/v1/auth/resend-verification", {
      body: { email: uniqueEmail("ghost") },
    });
    expect(unknown.status).toBe(202);
    const email = uniqueEmail("pending");
    await register(app, email);
    const known = await app.request("POST", "/api/v1/auth/resend-verification", { body: { email } });
    expect(known.status).toBe(202);
    expect(await known.json()).toEqual(await unknown.clone().json());
  });

  it("sends a fresh link, at most 3 a day per address, and audits the refusal", async () => {
    const app = testWorker();
    const email = uniqueEmail("cap");
    const { userId } = await register(app, email);
    for (let i = 0; i < 4; i++) {
      const res = await app.request("POST", "/api/v1/auth/resend-verification", {
        body: { email: email.toUpperCase() },
      });
      expect(res.status).toBe(202);
    }
    const mails = await waitForMail(app, email, { count: 4 });
    await new Promise((r) => setTimeout(r, 1500));
    const settled = await waitForMail(app, email, { count: 4 });
    expect(settled).toHaveLength(mails.length);
    expect(settled).toHaveLength(4); // the registration mail + 3 resends
    expect(await auditCount("user.verification_resent", userId)).toBe(3);
    expect(await auditCount("user.verification_suppressed", userId)).toBe(1);
    // the next day the address gets mail again
    app.clock.advance(2 * 86400_000);
    // (the registration expired meanwhile, so a resend no longer applies: the person registers again)
    const again = await app.request("POST", "/api/v1/auth/resend-verification", { body: { email } });
    expect(again.status).toBe(202);
  });

  it("limits resend requests per address with 429 and Retry-After", async () => {
    const app = testWorker();
    const email = uniqueEmail("flood");
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const res = await app.request("POST", "/api/v1/auth/resend-verification", { body: { email } });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(await res.json()).toMatchObject({ code: "rate_limited", status: 429 });
      }
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
  });

  it("does not resend for a verified address", async () => {
    const app = testWorker();
    const email = uniqueEmail("done");
    const { userId } = await register(app, email);
    const [mail] = await waitForMail(app, email);
    await app.request("POST", "/api/v1/auth/verify-email", {
      body: { token: new URL(mail?.links[0] ?? "").searchParams.get("token") },
    });
    await app.request("POST", "/api/v1/auth/resend-verification", { body: { email } });
    expect(await auditCount("user.verification_resent", userId)).toBe(0);
  });
});

describe("registration rate limits", () => {
  it("allows 5 registrations an hour per address, then 429", async () => {
    const app = testWorker();
    const email = uniqueEmail("burst");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await app.request("POST", "/api/v1/auth/register", {
        body: { email, password: GOOD_PASSWORD, teamName: "Burst", turnstileToken: DUMMY_TURNSTILE },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });
});

describe("RateLimiter Durable Object", () => {
  it("counts a sliding window and recovers after it", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`unit:${crypto.randomUUID()}`));
    const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await stub.hit(3, 60, t0 + i));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]?.retryAfter).toBeGreaterThan(0);
    // half-way into the next window, half of the previous window's 3 hits still count
    const mid = await stub.hit(3, 60, t0 + 90_000);
    expect(mid.allowed).toBe(true);
    expect(await stub.peek(60, t0 + 90_000)).toBe(3);
    // two windows later everything is forgotten
    expect((await stub.hit(3, 60, t0 + 200_000)).remaining).toBe(2);
  });

  it("keeps state in durable storage and schedules its own cleanup", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`unit:${crypto.randomUUID()}`));
    const now = Date.now();
    await stub.hit(10, 60, now);
    await runInDurableObject(stub, async (instance: RateLimiter, state) => {
      expect(await state.storage.get<{ count: number }>("c:default")).toMatchObject({ count: 1 });
      expect(await state.storage.getAlarm()).toBeGreaterThan(now);
      await instance.alarm();
      expect(await state.storage.get("c:default")).toBeUndefined();
    });
  });

  it("serialises concurrent hits: exactly `limit` of 20 parallel hits pass", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`unit:${crypto.randomUUID()}`));
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => stub.hit(7, 3600, now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
  });
});

describe("RateLimiter counters per subject", () => {
  it("keeps named counters apart and applies several in one call", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`unit:${crypto.randomUUID()}`));
    const now = Date.now();
    const hit = (counter: string, limit: number) => ({
      counter,
      op: "hit" as const,
      limit,
      windowSeconds: 60,
    });
    const first = await stub.apply([hit("a", 1), hit("b", 2), hit("a", 1)], now);
    expect(first.map((d) => d.allowed)).toEqual([true, true, false]);
    const peek = await stub.apply([{ counter: "b", op: "peek", limit: 2, windowSeconds: 60 }], now);
    expect(peek[0]).toMatchObject({ count: 1, allowed: true });
    await stub.apply([{ counter: "a", op: "reset", limit: 1, windowSeconds: 60 }], now);
    const after = await stub.apply(
      [hit("a", 1), { counter: "b", op: "peek", limit: 2, windowSeconds: 60 }],
      now,
    );
    expect(after[0]?.allowed).toBe(true);
    expect(after[1]?.count).toBe(1);
  });
});
