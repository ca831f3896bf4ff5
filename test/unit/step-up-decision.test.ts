import { describe, expect, it } from "vitest";
import { ACR_MFA } from "../../src/auth/principal";
import { type StepUpFacts, stepUpChallenge, stepUpDecision } from "../../src/auth/step-up";

const NOW = 1_800_000_000_000;
const MIN = 60_000;
const SETTINGS = { maxAgeSeconds: 600, riskStepUpScore: 30 };
const PWD = ["pwd"];
const MFA = ["pwd", "otp", "mfa"];

/** A session created at its login `loginAgo` minutes ago; `reprovedAgo` minutes ago a step-up, if any. */
function facts(input: {
  loginAgo: number;
  reprovedAgo?: number;
  amr: string[];
  hasMfa: boolean;
  risk: number;
}): StepUpFacts {
  const created = NOW - input.loginAgo * MIN;
  return {
    now: NOW,
    // The login's auth_time is when the login started: at or before the session's creation.
    authTime: input.reprovedAgo === undefined ? created - 1000 : NOW - input.reprovedAgo * MIN,
    sessionCreatedAt: created,
    amr: input.amr,
    hasMfa: input.hasMfa,
    riskScore: input.risk,
  };
}

type Row = [string, Parameters<typeof facts>[0], "pass" | { reason: string; acr: string | null }];

// age × 2FA × risk × amr → pass, or a challenge (with or without acr_values mfa).
const TABLE: Row[] = [
  ["fresh password login, no 2FA, not risky", { loginAgo: 2, amr: PWD, hasMfa: false, risk: 0 }, "pass"],
  [
    "stale password login, no 2FA",
    { loginAgo: 11, amr: PWD, hasMfa: false, risk: 0 },
    { reason: "stale", acr: null },
  ],
  [
    "exactly max age is still fresh",
    { loginAgo: 10, reprovedAgo: 10, amr: PWD, hasMfa: false, risk: 0 },
    "pass",
  ],
  ["fresh two-factor login, 2FA user", { loginAgo: 2, amr: MFA, hasMfa: true, risk: 0 }, "pass"],
  [
    "stale two-factor login, 2FA user → mfa",
    { loginAgo: 11, amr: MFA, hasMfa: true, risk: 0 },
    { reason: "stale", acr: ACR_MFA },
  ],
  [
    "fresh password-only login (trusted device) of a 2FA user → mfa",
    { loginAgo: 1, amr: PWD, hasMfa: true, risk: 0 },
    { reason: "second_factor", acr: ACR_MFA },
  ],
  [
    "risky fresh password login of a 2FA user → mfa",
    { loginAgo: 1, amr: PWD, hasMfa: true, risk: 80 },
    { reason: "second_factor", acr: ACR_MFA },
  ],
  ["risky fresh two-factor login of a 2FA user", { loginAgo: 1, amr: MFA, hasMfa: true, risk: 80 }, "pass"],
  [
    "risky stale two-factor login of a 2FA user → mfa",
    { loginAgo: 30, amr: MFA, hasMfa: true, risk: 80 },
    { reason: "stale", acr: ACR_MFA },
  ],
  [
    "risky fresh login, no 2FA: the login's own password does not count",
    { loginAgo: 1, amr: PWD, hasMfa: false, risk: 30 },
    { reason: "risky_session", acr: null },
  ],
  [
    "risky session, no 2FA, password re-proved in the session",
    { loginAgo: 30, reprovedAgo: 1, amr: PWD, hasMfa: false, risk: 30 },
    "pass",
  ],
  [
    "risky session, no 2FA, re-proof gone stale",
    { loginAgo: 60, reprovedAgo: 11, amr: PWD, hasMfa: false, risk: 90 },
    { reason: "stale", acr: null },
  ],
  ["just below the risk threshold", { loginAgo: 1, amr: PWD, hasMfa: false, risk: 29 }, "pass"],
  [
    "a 2FA user who stepped up with a code",
    { loginAgo: 120, reprovedAgo: 2, amr: MFA, hasMfa: true, risk: 0 },
    "pass",
  ],
  [
    "2FA turned off since a two-factor login, risky: the session's mfa still counts",
    { loginAgo: 1, amr: MFA, hasMfa: false, risk: 80 },
    "pass",
  ],
];

describe("stepUpDecision (RFC 9470 freshness guard)", () => {
  for (const [name, input, expected] of TABLE) {
    it(name, () => {
      const decision = stepUpDecision(facts(input), SETTINGS);
      if (expected === "pass") expect(decision).toEqual({ pass: true });
      else expect(decision).toEqual({ pass: false, ...expected });
    });
  }

  it("the max age is configuration", () => {
    const input = facts({ loginAgo: 3, amr: PWD, hasMfa: false, risk: 0 });
    expect(stepUpDecision(input, { ...SETTINGS, maxAgeSeconds: 120 })).toMatchObject({ pass: false });
    expect(stepUpDecision(input, { ...SETTINGS, maxAgeSeconds: 300 })).toEqual({ pass: true });
  });
});

describe("stepUpChallenge", () => {
  it("answers the RFC 9470 header and the same facts in the problem body", () => {
    const challenge = stepUpChallenge({ maxAgeSeconds: 600, acr: ACR_MFA });
    expect(challenge.status).toBe(401);
    expect(challenge.code).toBe("insufficient_user_authentication");
    expect(challenge.detail).toBe("Please confirm it's you to continue.");
    expect(challenge.headers["WWW-Authenticate"]).toBe(
      'Bearer error="insufficient_user_authentication", acr_values="urn:gatehouse:acr:mfa", max_age=600',
    );
    expect(challenge.extra).toEqual({ maxAge: 600, acrValues: ACR_MFA });
  });

  it("names no acr when any fresh proof will do", () => {
    const challenge = stepUpChallenge({ maxAgeSeconds: 300, acr: null });
    expect(challenge.headers["WWW-Authenticate"]).toBe(
      'Bearer error="insufficient_user_authentication", max_age=300',
    );
    expect(challenge.extra).toEqual({ maxAge: 300, acrValues: null });
  });
});
