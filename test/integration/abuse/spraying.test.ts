import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { attemptLogin, auditEntries, freshAsn, ipIn, LOW_THRESHOLDS, randomPrefix } from "./support";

/**
 * Password spraying (docs/abuse-signals.md): one password tried against many accounts, recognised by a keyed
 * hash of the password (never the password) in the network's monitor.
 */
describe("password spraying", () => {
  it("one password across accounts from one ASN raises a spraying signal, audited once", async () => {
    const app = testWorker({ env: LOW_THRESHOLDS });
    const owner = await verifiedOwner(app);
    const asn = freshAsn();
    const prefixes = Array.from({ length: 4 }, randomPrefix);
    const outcomes: number[] = [];
    // Four accounts (the spraying threshold), each once, with the same password: below the stuffing threshold (10).
    for (let i = 0; i < 4; i += 1) {
      const o = await attemptLogin(app, {
        email: uniqueEmail("sprayed"),
        password: "Summer2026!",
        ip: ipIn(prefixes[i] as string),
        asn,
      });
      outcomes.push(o.status);
    }
    expect(outcomes).toEqual([401, 401, 401, 401]);
    // The ASN now needs Turnstile, also for a real user's right password.
    const next = await attemptLogin(app, {
      email: owner.email,
      password: owner.password,
      ip: ipIn(randomPrefix()),
      asn,
    });
    expect(next).toMatchObject({ status: 400, code: "captcha_required" });
    // More spraying does not audit again.
    await attemptLogin(app, {
      email: uniqueEmail("sprayed"),
      password: "Summer2026!",
      ip: ipIn(randomPrefix()),
      asn,
      turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
    });
    const spraying = (await auditEntries(app, "security.password_spraying")).filter(
      (e) => e.target_id === `asn:${asn}`,
    );
    expect(spraying).toHaveLength(1);
    expect(JSON.parse(spraying[0]?.metadata ?? "{}")).toMatchObject({ category: "security", level: "asn" });
    // Nothing about the password is in the entry.
    expect(spraying[0]?.metadata).not.toContain("Summer2026");
    const stuffing = (await auditEntries(app, "security.credential_stuffing")).filter(
      (e) => e.target_id === `asn:${asn}`,
    );
    expect(stuffing).toHaveLength(0);
  });

  it("different passwords on as many accounts are not spraying", async () => {
    const app = testWorker({ env: LOW_THRESHOLDS });
    const asn = freshAsn();
    for (let i = 0; i < 4; i += 1) {
      const o = await attemptLogin(app, {
        email: uniqueEmail("typo"),
        password: `Own-password-${i}`,
        ip: ipIn(randomPrefix()),
        asn,
      });
      expect(o.status).toBe(401);
    }
    const spraying = (await auditEntries(app, "security.password_spraying")).filter(
      (e) => e.target_id === `asn:${asn}`,
    );
    expect(spraying).toHaveLength(0);
  });
});
