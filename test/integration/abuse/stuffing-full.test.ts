import { describe, expect, it } from "vitest";
import { testWorker, verifiedOwner } from "../../support/helpers";
import { attemptLogin, freshAsn, randomPrefix } from "./support";

/**
 * The scale with the default thresholds (ABUSE_STUFFING_ACCOUNTS 20/30/40, ABUSE_NETWORK_LOGINS 30):
 * 1,000 accounts × 2 attempts, account after account, from addresses of 16 /24s of one ASN. The first 100
 * attempts go one by one (their order is what is measured); the rest in bursts of 25 at once, as a tool would.
 */
describe("credential stuffing at full scale", () => {
  it("1,000 accounts × 2 attempts from one ASN: refused within the first 100, the other ASN signs in", async () => {
    // Quiet logs: 2,000 refused requests would otherwise write 4,000 lines through the test runner.
    const app = testWorker({ env: { LOG_LEVEL: "error", LOG_SAMPLE_RATE: "0" } });
    const owner = await verifiedOwner(app);
    const asn = freshAsn();
    const pool = Array.from({ length: 16 }, randomPrefix);
    const pairs = Array.from({ length: 2000 }, (_, n) => ({
      account: Math.floor(n / 2),
      k: n % 2,
      n: n + 1,
    }));
    const attempt = ({ account, k, n }: (typeof pairs)[number]) =>
      attemptLogin(app, {
        email: `combo-${account}-${asn}@example.org`,
        password: `Leaked-${k}-${account}`,
        ip: `${pool[n % pool.length]}.${1 + (n % 250)}`,
        asn,
      });
    const outcomes: Awaited<ReturnType<typeof attemptLogin>>[] = [];
    for (const pair of pairs.slice(0, 100)) outcomes.push(await attempt(pair));
    const firstRefused = outcomes.findIndex((o) => o.status !== 401) + 1;
    expect(firstRefused).toBeGreaterThan(0);
    expect(firstRefused).toBeLessThanOrEqual(100);

    // Mid-attack, the legitimate user on another ASN: no Turnstile, no 429.
    const legit = await attemptLogin(app, {
      email: owner.email,
      password: owner.password,
      ip: `${randomPrefix()}.77`,
      asn: freshAsn(),
    });
    expect(legit.status).toBe(200);

    for (let i = 100; i < pairs.length; i += 25) {
      outcomes.push(...(await Promise.all(pairs.slice(i, i + 25).map(attempt))));
    }
    const tally = new Map<string, number>();
    for (const o of outcomes)
      tally.set(`${o.status} ${o.code}`, (tally.get(`${o.status} ${o.code}`) ?? 0) + 1);
    // Before the signal: wrong passwords (401); after: Turnstile (400) up to 30 a minute, then 429.
    expect(tally.get("401 invalid_credentials")).toBe(firstRefused - 1);
    expect((tally.get("400 captcha_required") ?? 0) + (tally.get("429 rate_limited") ?? 0)).toBe(
      2000 - firstRefused + 1,
    );
    expect(tally.get("429 rate_limited")).toBeGreaterThan(1800);
  }, 180_000);
});
