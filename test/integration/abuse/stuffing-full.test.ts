import { describe, expect, it } from "vitest";
import { testWorker, verifiedOwner } from "../../support/helpers";
import { attemptLogin, freshAsn, randomPrefix } from "./support";

/**
 * The scale with the default thresholds (ABUSE_STUFFING_ACCOUNTS 20/30/40, ABUSE_NETWORK_LOGINS 30):
 * 1,000 accounts × 2 attempts, account after account, from random addresses of 16 /24s of one ASN.
 */
describe("credential stuffing at full scale", () => {
  it("1,000 accounts × 2 attempts from one ASN: refused within the first 100, the other ASN signs in", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const asn = freshAsn();
    const pool = Array.from({ length: 16 }, randomPrefix);
    const tally = new Map<string, number>();
    let firstRefused = 0;
    let attempt = 0;
    let legitStatus = 0;
    for (let i = 0; i < 1000; i += 1) {
      for (let k = 0; k < 2; k += 1) {
        attempt += 1;
        const ip = `${pool[attempt % pool.length]}.${1 + (attempt % 250)}`;
        const o = await attemptLogin(app, {
          email: `combo-${i}-${asn}@example.org`,
          password: `Leaked-${k}-${i}`,
          ip,
          asn,
        });
        const key = `${o.status} ${o.code ?? ""}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (firstRefused === 0 && o.status !== 401) firstRefused = attempt;
        if (attempt === 500) {
          const legit = await attemptLogin(app, {
            email: owner.email,
            password: owner.password,
            ip: `${randomPrefix()}.77`,
            asn: freshAsn(),
          });
          legitStatus = legit.status;
        }
      }
    }
    expect(firstRefused).toBeGreaterThan(0);
    expect(firstRefused).toBeLessThanOrEqual(100);
    expect(legitStatus).toBe(200);
    // Before the signal: wrong passwords (401); after: Turnstile (400) up to 30 a minute, then 429.
    expect(tally.get("401 invalid_credentials")).toBe(firstRefused - 1);
    expect((tally.get("400 captcha_required") ?? 0) + (tally.get("429 rate_limited") ?? 0)).toBe(
      2000 - firstRefused + 1,
    );
  }, 180_000);
});
