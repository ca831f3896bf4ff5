import { describe, expect, it } from "vitest";
import { DUMMY_TURNSTILE, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import {
  attemptLogin,
  auditEntries,
  expectRefusedByNetwork,
  freshAsn,
  ipIn,
  LOW_THRESHOLDS,
  randomPrefix,
} from "./support";

/**
 * Credential stuffing (docs/abuse-signals.md): many accounts, few attempts each, from one network. The network
 * is then asked for Turnstile on every login and capped per minute; other networks log in as before.
 */
describe("credential stuffing", () => {
  it("throttles an ASN spraying unknown accounts within the first 100 attempts; another ASN logs in at once", async () => {
    const app = testWorker({ env: LOW_THRESHOLDS });
    const owner = await verifiedOwner(app);
    const attackerAsn = freshAsn();
    const prefixes = Array.from({ length: 8 }, randomPrefix);
    const outcomes: { status: number; code?: string }[] = [];
    // 60 accounts × 2 attempts, each from a random address of 8 /24s of one ASN (a proxy pool).
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 60; i += 1) {
        const outcome = await attemptLogin(app, {
          email: `victim-${i}-${attackerAsn}@example.net`,
          password: `Leaked-${round}-${i}!`,
          ip: ipIn(prefixes[i % prefixes.length] as string),
          asn: attackerAsn,
        });
        outcomes.push(outcome);
      }
    }
    const firstRefused = outcomes.findIndex((o) => o.status !== 401);
    // ASN threshold 10 distinct accounts: the 11th attempt is the first to meet the signal.
    expect(firstRefused).toBeGreaterThanOrEqual(10);
    expect(firstRefused).toBeLessThan(100);
    for (const o of outcomes.slice(firstRefused)) expectRefusedByNetwork(o);
    expect(outcomes.some((o) => o.status === 429)).toBe(true);

    // The legitimate user, from another ASN, at the same time: no Turnstile, no 429.
    const legit = await attemptLogin(app, {
      email: owner.email,
      password: owner.password,
      ip: ipIn(randomPrefix()),
      asn: freshAsn(),
    });
    expect(legit.status).toBe(200);
    expect(legit.step).toBeTruthy();

    const entries = await auditEntries(app, "security.credential_stuffing");
    const mine = entries.filter((e) => e.target_id === `asn:${attackerAsn}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.target_type).toBe("network");
    expect(JSON.parse(mine[0]?.metadata ?? "{}")).toMatchObject({ category: "security", level: "asn" });
  });

  it("asks a signalled /24 for Turnstile, lets a solved one through, caps it per minute, and decays", async () => {
    const app = testWorker({ env: LOW_THRESHOLDS });
    const owner = await verifiedOwner(app);
    const prefix = randomPrefix();
    // 8 accounts from 8 addresses of one /24 (no ASN): each address stays under the per-IP adaptive CAPTCHA.
    for (let i = 0; i < 8; i += 1) {
      const ip = `${prefix}.${10 + i}`;
      const o = await attemptLogin(app, { email: uniqueEmail("stuffed"), password: `Leaked-${i}`, ip });
      expect(o.status).toBe(401);
    }
    // Signalled (prefix threshold 8): a fresh address of the /24 without a token → 400, even with the right password.
    const ip = `${prefix}.200`;
    const noToken = await attemptLogin(app, { email: owner.email, password: owner.password, ip });
    expect(noToken).toMatchObject({ status: 400, code: "captcha_required" });
    const solved = await attemptLogin(app, {
      email: owner.email,
      password: owner.password,
      ip,
      turnstileToken: DUMMY_TURNSTILE,
    });
    expect(solved.status).toBe(200);
    // The cap: 6 logins a minute for the signalled network, then 429 with Retry-After.
    let limited: Awaited<ReturnType<typeof attemptLogin>> | undefined;
    for (let i = 0; i < 8 && !limited; i += 1) {
      const o = await attemptLogin(app, {
        email: uniqueEmail("stuffed"),
        password: "x",
        ip: `${prefix}.${100 + i}`,
      });
      if (o.status === 429) limited = o;
      else expect(o.code).toBe("captcha_required");
    }
    expect(limited?.code).toBe("rate_limited");
    expect(Number(limited?.retryAfter)).toBeGreaterThan(0);
    // Another /24 (no ASN) is unaffected.
    const elsewhere = await attemptLogin(app, {
      email: owner.email,
      password: owner.password,
      ip: ipIn(randomPrefix()),
    });
    expect(elsewhere.status).toBe(200);

    // The signal decays: ABUSE_SIGNAL_SECONDS (900) after its last event, the /24 logs in without Turnstile.
    app.clock.advance(16 * 60_000);
    const later = await attemptLogin(app, {
      email: owner.email,
      password: owner.password,
      ip: `${prefix}.201`,
    });
    expect(later.status).toBe(200);
    const entries = await auditEntries(app, "security.credential_stuffing");
    expect(entries.filter((e) => e.target_id === `net:${prefix}.0/24`)).toHaveLength(1);
  });
});
