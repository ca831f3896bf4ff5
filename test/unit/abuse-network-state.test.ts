import { describe, expect, it } from "vitest";
import {
  type AbuseThresholds,
  attemptRetryAfter,
  countAttempt,
  emptyNetworkState,
  forgetAt,
  loginSignals,
  MAX_SPRAYED_PASSWORDS,
  pruneNetworkState,
  recordFailure,
  recordSignup,
} from "../../src/features/abuse/network-state";

const T: AbuseThresholds = {
  windowMs: 600_000,
  signalMs: 3_600_000,
  stuffing: { ip: 3, prefix: 5, asn: 8 },
  sprayAccounts: 3,
  loginsPerMinute: 2,
  signups: { prefix: 2, asn: 4 },
};
const T0 = 1_700_000_000_000;

describe("credential stuffing (distinct accounts with failures in the window)", () => {
  it("starts at the level's threshold of distinct accounts, once", () => {
    const s = emptyNetworkState(T0);
    const started = ["a", "b", "c", "d"].map((account, i) =>
      recordFailure(s, "ip", { account, password: `p${i}`, now: T0 + i }, T),
    );
    expect(started).toEqual([[], [], ["credential_stuffing"], []]);
    expect(loginSignals(s, T0 + 10).kinds).toEqual(["credential_stuffing"]);
  });

  it("counts an account once however often it fails (a user mistyping is not stuffing)", () => {
    const s = emptyNetworkState(T0);
    for (let i = 0; i < 20; i += 1)
      recordFailure(s, "ip", { account: "same", password: `p${i}`, now: T0 + i }, T);
    expect(s.accounts.size).toBe(1);
    expect(loginSignals(s, T0 + 100).kinds).toEqual([]);
  });

  it("wider networks need more accounts", () => {
    const s = emptyNetworkState(T0);
    for (const [i, account] of ["a", "b", "c", "d"].entries()) {
      recordFailure(s, "asn", { account, password: null, now: T0 + i }, T);
    }
    expect(loginSignals(s, T0 + 10).kinds).toEqual([]);
  });

  it("accounts older than the window are forgotten", () => {
    const s = emptyNetworkState(T0);
    recordFailure(s, "ip", { account: "a", password: null, now: T0 }, T);
    recordFailure(s, "ip", { account: "b", password: null, now: T0 + 1 }, T);
    const later = T0 + T.windowMs + 10;
    expect(recordFailure(s, "ip", { account: "c", password: null, now: later }, T)).toEqual([]);
    expect(s.accounts.size).toBe(1);
  });

  it("keeps at most the threshold's number of account keys (bounded memory)", () => {
    const s = emptyNetworkState(T0);
    for (let i = 0; i < 1000; i += 1)
      recordFailure(s, "asn", { account: `a${i}`, password: null, now: T0 + i }, T);
    expect(s.accounts.size).toBe(T.stuffing.asn);
  });

  it("extends a running signal without starting it again, and decays signalMs after the last event", () => {
    const s = emptyNetworkState(T0);
    for (const [i, account] of ["a", "b", "c"].entries()) {
      recordFailure(s, "ip", { account, password: null, now: T0 + i }, T);
    }
    const firstUntil = s.signals.credential_stuffing?.until ?? 0;
    expect(recordFailure(s, "ip", { account: "d", password: null, now: T0 + 60_000 }, T)).toEqual([]);
    expect(s.signals.credential_stuffing?.until).toBe(T0 + 60_000 + T.signalMs);
    expect(s.signals.credential_stuffing?.until).toBeGreaterThan(firstUntil);
    const after = T0 + 60_000 + T.signalMs;
    pruneNetworkState(s, after, T);
    expect(loginSignals(s, after).kinds).toEqual([]);
    // A new burst after the decay is a new signal.
    const again = ["e", "f", "g"].map((account, i) =>
      recordFailure(s, "ip", { account, password: null, now: after + 1 + i }, T),
    );
    expect(again.flat()).toEqual(["credential_stuffing"]);
  });
});

describe("password spraying (one password key across accounts)", () => {
  it("starts when one password failed against sprayAccounts distinct accounts", () => {
    const s = emptyNetworkState(T0);
    const started = ["a", "b", "c"].map((account, i) =>
      recordFailure(s, "asn", { account, password: "k1", now: T0 + i }, T),
    );
    expect(started).toEqual([[], [], ["password_spraying"]]);
  });

  it("the same account with one password many times is not spraying", () => {
    const s = emptyNetworkState(T0);
    for (let i = 0; i < 10; i += 1) recordFailure(s, "asn", { account: "a", password: "k1", now: T0 + i }, T);
    expect(loginSignals(s, T0 + 20).kinds).toEqual([]);
  });

  it("remembers at most MAX_SPRAYED_PASSWORDS passwords, dropping the stalest", () => {
    const s = emptyNetworkState(T0);
    for (let i = 0; i <= MAX_SPRAYED_PASSWORDS; i += 1) {
      recordFailure(s, "asn", { account: "a", password: `k${i}`, now: T0 + i }, T);
    }
    expect(s.sprays.size).toBe(MAX_SPRAYED_PASSWORDS);
    expect(s.sprays.has("k0")).toBe(false);
    expect(s.sprays.has(`k${MAX_SPRAYED_PASSWORDS}`)).toBe(true);
  });
});

describe("the per-minute cap of a signalled network", () => {
  it("allows loginsPerMinute attempts, then answers the seconds to the minute's end", () => {
    const s = emptyNetworkState(T0);
    expect(attemptRetryAfter(s, T0, T)).toBe(0);
    countAttempt(s, T0);
    countAttempt(s, T0 + 1_000);
    expect(attemptRetryAfter(s, T0 + 30_000, T)).toBe(30);
    expect(attemptRetryAfter(s, T0 + 60_000, T)).toBe(0);
  });
});

describe("sign-up bursts", () => {
  it("refuses past the threshold, starts the signal once, refuses while it lasts", () => {
    const s = emptyNetworkState(T0);
    const verdicts = [0, 1, 2, 3].map((i) => recordSignup(s, "prefix", T0 + i, T));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false, false]);
    expect(verdicts[2]).toMatchObject({ allowed: false, started: true });
    expect(verdicts[3]).toMatchObject({ allowed: false, started: false });
    const after = T0 + 3 + T.signalMs;
    expect(recordSignup(s, "prefix", after, T).allowed).toBe(true);
  });
});

describe("forgetting", () => {
  it("a state is kept while a signal lasts and for two windows after its last event", () => {
    const s = emptyNetworkState(T0);
    recordFailure(s, "ip", { account: "a", password: null, now: T0 }, T);
    expect(forgetAt(s, T)).toBe(T0 + 2 * T.windowMs);
    for (const account of ["b", "c"]) recordFailure(s, "ip", { account, password: null, now: T0 }, T);
    expect(forgetAt(s, T)).toBe(T0 + T.signalMs);
  });
});
