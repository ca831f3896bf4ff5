import { describe, expect, it } from "vitest";
import { DUMMY_TURNSTILE, GOOD_PASSWORD, testWorker, uniqueEmail } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { auditEntries, freshAsn, LOW_THRESHOLDS, randomPrefix } from "./support";

type App = ReturnType<typeof testWorker>;

async function register(app: App, email: string, headers: Record<string, string> = {}) {
  const res = await app.request("POST", "/api/v1/auth/register", {
    body: { email, password: GOOD_PASSWORD, teamName: "Abuse Team", turnstileToken: DUMMY_TURNSTILE },
    headers,
  });
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    body: (await res.json()) as {
      code?: string;
      errors?: { path: string; message: string; reason?: string }[];
    },
  };
}

/** Sign-up abuse (docs/abuse-signals.md): disposable address domains and bursts of sign-ups per network. */
describe("sign-up abuse", () => {
  it("refuses a disposable address domain (and its subdomains) with a field error on email", async () => {
    const app = testWorker();
    for (const email of [`someone-${Date.now()}@mailinator.com`, `x${Date.now()}@inbox.mailinator.com`]) {
      const answer = await register(app, email);
      expect(answer.status).toBe(422);
      expect(answer.body.code).toBe("validation_failed");
      expect(answer.body.errors).toEqual([
        { path: "email", message: "Please use a permanent email address.", reason: "disposable_email" },
      ]);
    }
    // A permanent address registers.
    expect((await register(app, uniqueEmail("permanent"))).status).toBe(201);
  });

  it("the /register page shows the copy next to the email field, the address kept", async () => {
    const browser = pageBrowser(testWorker());
    const email = `page-${Date.now()}@mailinator.com`;
    const res = await browser.post("/register", {
      email,
      password: GOOD_PASSWORD,
      teamName: "Throwaway",
      turnstileToken: DUMMY_TURNSTILE,
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="f-email-error">Please use a permanent email address\.</);
    expect(html).toContain(`value="${email}"`);
  });

  it("a burst of sign-ups from one /24 gets 429 for that /24 only, audited once", async () => {
    const app = testWorker({ env: LOW_THRESHOLDS });
    const prefix = randomPrefix();
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof register>> | undefined;
    // SIGNUP_BURST 3 per /24: three sign-ups from three addresses, then the fourth and fifth are refused.
    for (let i = 0; i < 5; i += 1) {
      const answer = await register(app, uniqueEmail("burst"), { "cf-connecting-ip": `${prefix}.${20 + i}` });
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(refused?.body.code).toBe("rate_limited");
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    // Another /24 (and ASN) registers at the same time.
    const other = await register(app, uniqueEmail("elsewhere"), {
      "cf-connecting-ip": `${randomPrefix()}.9`,
      "cf-asn": freshAsn(),
    });
    expect(other.status).toBe(201);
    const entries = (await auditEntries(app, "security.signup_burst")).filter(
      (e) => e.target_id === `net:${prefix}.0/24`,
    );
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]?.metadata ?? "{}")).toMatchObject({ category: "security", level: "prefix" });
  });
});
