import { describe, expect, it } from "vitest";
import devVars from "../../.dev.vars.example?raw";
import { HOSTING_ASNS, hostingOperator } from "../../src/features/login/risk/hosting-asns";
import {
  circularHourDistance,
  evaluateRisk,
  NO_RISK_SIGNALS,
  type RiskSettings,
  type RiskSignals,
  riskSettings,
  UNUSUAL_HOUR_MIN_HISTORY,
  utcHour,
} from "../../src/features/login/risk/risk";
import { DEFAULT_RISK_WEIGHTS, parseConfig, RISK_REASON_NAMES } from "../../src/platform/config";

const base = Object.fromEntries(
  [...devVars.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
);
function config(extra: Record<string, string> = {}) {
  const parsed = parseConfig({
    ...base,
    ENVIRONMENT: "test",
    PUBLIC_ORIGIN: "http://localhost:8787",
    EMAIL_FROM: "x <x@y.z>",
    ...extra,
  } as never);
  return parsed;
}
function settingsFrom(extra: Record<string, string> = {}): RiskSettings {
  const parsed = config(extra);
  if (!parsed.ok) throw new Error(parsed.reasons.join("; "));
  return riskSettings(parsed.config);
}

/** The defaults: every reason on, DEFAULT_RISK_WEIGHTS, 900 km/h, 5 account failures, 50 network failures, 4 h. */
const DEFAULTS = settingsFrom();

/** A user with a settled baseline: 10 logins from Berlin (DE, AS3320), all between 08:00 and 10:00 UTC. */
const HABITS: RiskSignals = {
  ...NO_RISK_SIGNALS,
  country: "DE",
  asn: 3320,
  history: 10,
  knownCountries: ["DE"],
  knownAsns: [3320],
  historyHours: [8, 8.5, 9, 9, 9.25, 9.5, 10, 8, 9, 10],
  hour: 9,
};
const at = (overrides: Partial<RiskSignals>): RiskSignals => ({ ...HABITS, ...overrides });
const W = DEFAULT_RISK_WEIGHTS;

type Case = [why: string, signals: RiskSignals, score: number, reasons: string[]];

describe("evaluateRisk: each reason alone (default weights)", () => {
  const cases: Case[] = [
    // The user's own place, device and time: nothing to say.
    ["a login like every other", at({}), 0, []],
    // 16,000 km an hour after Berlin: faster than any plane (threshold 900 km/h).
    ["impossible travel", at({ travelKmh: 16_000 }), W.impossible_travel, ["impossible_travel"]],
    // 899 km/h is a plane; the rule needs strictly more than the threshold.
    ["fast but possible travel", at({ travelKmh: 900 }), 0, []],
    // France was never seen; the network is new too, but a new country already says so (counted once).
    ["new country", at({ country: "FR", asn: 12322 }), W.new_country, ["new_country"]],
    // Five wrong passwords since the last success (RISK_FAILURE_BURST = 5) before the right one.
    ["account failure burst", at({ accountFailures: 5 }), W.account_failure_burst, ["account_failure_burst"]],
    // Four is below the burst threshold.
    ["failures below the burst", at({ accountFailures: 4 }), 0, []],
    // A German ISP the user never used (e.g. a friend's Wi-Fi): weak alone.
    ["new network, same country", at({ asn: 3209 }), W.new_network, ["new_network"]],
    // A German data centre (Hetzner) the user also never used: a hosting network is its own reason.
    [
      "hosting network (also new)",
      at({ asn: 24940 }),
      W.new_network + W.hosting_asn,
      ["new_network", "hosting_asn"],
    ],
    // 50 failed logins from the client's ASN within the hour (RISK_NETWORK_FAILURE_BURST = 50).
    [
      "network failure burst",
      at({ networkFailures: 50 }),
      W.network_failure_burst,
      ["network_failure_burst"],
    ],
    ["network failures below the burst", at({ networkFailures: 49 }), 0, []],
    // The session's binding check saw another /24 or network than the session started on.
    ["ip jump", at({ ipJump: true }), W.ip_jump, ["ip_jump"]],
    // Not one of the user's trusted devices.
    ["new device", at({ newDevice: true }), W.new_device, ["new_device"]],
    // 15:00 is 5 hours from the nearest habit (10:00): ≥ RISK_UNUSUAL_HOURS (4).
    ["unusual hour", at({ hour: 15 }), W.unusual_hour, ["unusual_hour"]],
    // 13:30 is 3.5 hours from 10:00: within habits.
    ["an hour not far enough", at({ hour: 13.5 }), 0, []],
    // No country and no ASN: the place cannot be checked, which is itself a signal (not a skip).
    ["unknown location", at({ country: null, asn: null }), W.unknown_location, ["unknown_location"]],
  ];
  it.each(cases)("%s", (_why, signals, score, reasons) => {
    expect(evaluateRisk(signals, DEFAULTS)).toEqual({ score, reasons });
  });
});

describe("evaluateRisk: combinations, ordering, cap", () => {
  const cases: Case[] = [
    // The example: a hosting ASN on a new device (a script on a rented server with a stolen password).
    [
      "hosting ASN on a new device",
      at({ asn: 16509, newDevice: true }),
      W.new_network + W.hosting_asn + W.new_device,
      ["new_network", "hosting_asn", "new_device"],
    ],
    // New network and new device together reach the approval threshold (50): the old new_asn_device rule.
    [
      "new network and new device",
      at({ asn: 3209, newDevice: true }),
      W.new_network + W.new_device,
      ["new_network", "new_device"],
    ],
    // A stolen password tried from abroad, at night, on a new device, after a burst: capped at 100, heaviest
    // reason first (impossible_travel 60, new_country 50, account_failure_burst 50 in catalogue order…).
    [
      "everything at once, capped at 100",
      at({
        country: "BR",
        asn: 16509,
        travelKmh: 10_000,
        accountFailures: 9,
        networkFailures: 80,
        newDevice: true,
        hour: 21,
        ipJump: true,
      }),
      100,
      [
        "impossible_travel",
        "new_country",
        "account_failure_burst",
        "hosting_asn",
        "network_failure_burst",
        "ip_jump",
        "new_device",
        "unusual_hour",
      ],
    ],
    // An unknown place on a new device: 10 + 15, below both thresholds (what a test client without cf sees).
    [
      "unknown location on a new device",
      at({ country: null, asn: null, newDevice: true }),
      W.new_device + W.unknown_location,
      ["new_device", "unknown_location"],
    ],
  ];
  it.each(cases)("%s", (_why, signals, score, reasons) => {
    expect(evaluateRisk(signals, DEFAULTS)).toEqual({ score, reasons });
  });
});

describe("evaluateRisk: a first login (no history)", () => {
  const first: RiskSignals = { ...NO_RISK_SIGNALS, country: "US", asn: 7922, hour: 3, newDevice: true };
  const cases: Case[] = [
    // Nothing to compare a first login against: not a new device, country or network, not an odd hour.
    ["a first login from a home network", first, 0, []],
    // What needs no history still counts: a hosting network…
    ["a first login from a data centre", { ...first, asn: 14061 }, W.hosting_asn, ["hosting_asn"]],
    // …an unknown place…
    [
      "a first login from nowhere",
      { ...first, country: null, asn: null },
      W.unknown_location,
      ["unknown_location"],
    ],
    // …and a burst of wrong passwords on the account before the right one.
    [
      "a first login after a burst",
      { ...first, accountFailures: 6 },
      W.account_failure_burst,
      ["account_failure_burst"],
    ],
  ];
  it.each(cases)("%s", (_why, signals, score, reasons) => {
    expect(evaluateRisk(signals, DEFAULTS)).toEqual({ score, reasons });
  });

  it("a country is not new when the baseline has no country to compare with", () => {
    const placeless = at({ knownCountries: [], knownAsns: [], country: "FR", asn: 12322 });
    expect(evaluateRisk(placeless, DEFAULTS)).toEqual({ score: 0, reasons: [] });
  });
});

describe("unusual hour: the 24-hour circle and the history it needs", () => {
  it.each([
    // [a, b, distance] — 23:30 and 00:30 are one hour apart, not 23.
    [23.5, 0.5, 1],
    [0.5, 23.5, 1],
    [22, 2, 4],
    [6, 18, 12],
    [10, 10, 0],
    [0, 24, 0],
  ])("circularHourDistance(%s, %s) = %s", (a, b, d) => {
    expect(circularHourDistance(a, b)).toBeCloseTo(d, 10);
  });

  it("wraps midnight: a night owl at 23:00–01:00 signing in at 00:30 is usual, at 05:30 unusual", () => {
    const owl = at({ historyHours: [23, 23.5, 0, 0.25, 1, 23.75] });
    expect(evaluateRisk({ ...owl, hour: 0.5 }, DEFAULTS).reasons).toEqual([]);
    // 21:00 is 2 hours before 23:00: usual.
    expect(evaluateRisk({ ...owl, hour: 21 }, DEFAULTS).reasons).toEqual([]);
    // 05:30 is 4.5 hours after 01:00.
    expect(evaluateRisk({ ...owl, hour: 5.5 }, DEFAULTS).reasons).toEqual(["unusual_hour"]);
  });

  it(`needs ${UNUSUAL_HOUR_MIN_HISTORY} earlier logins: fewer say nothing about habits`, () => {
    const few = at({ historyHours: [9, 9, 9, 9] });
    expect(evaluateRisk({ ...few, hour: 21 }, DEFAULTS).reasons).toEqual([]);
    expect(evaluateRisk({ ...few, historyHours: [9, 9, 9, 9, 9], hour: 21 }, DEFAULTS).reasons).toEqual([
      "unusual_hour",
    ]);
  });

  it("utcHour is the time of day in UTC with minutes as a fraction", () => {
    expect(utcHour(Date.UTC(2026, 11, 6, 23, 30))).toBeCloseTo(23.5, 10);
    expect(utcHour(Date.UTC(2026, 11, 7, 0, 15))).toBeCloseTo(0.25, 10);
  });
});

describe("settings: weights, switches and thresholds from configuration", () => {
  it("RISK_WEIGHTS overrides some weights and keeps the others", () => {
    const s = settingsFrom({ RISK_WEIGHTS: "new_device:40, hosting_asn:0" });
    expect(s.weights).toEqual({ ...DEFAULT_RISK_WEIGHTS, new_device: 40, hosting_asn: 0 });
    // A weight of 0 drops the reason: it neither scores nor shows.
    expect(evaluateRisk(at({ asn: 16509, newDevice: true }), s)).toEqual({
      score: W.new_network + 40,
      reasons: ["new_device", "new_network"],
    });
  });

  it("a bad RISK_WEIGHTS or RISK_RULES fails the configuration, naming the variable", () => {
    for (const bad of ["new_device", "new_device:101", "nope:5", "new_device:-1", "new_device:5,,x"]) {
      const parsed = config({ RISK_WEIGHTS: bad });
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.variables).toEqual(["RISK_WEIGHTS"]);
    }
    const rules = config({ RISK_RULES: "new_country,teleport" });
    expect(rules.ok).toBe(false);
  });

  it("RISK_RULES switches reasons on and off; the old rule names still work", () => {
    expect([...settingsFrom().enabled]).toEqual([...RISK_REASON_NAMES]);
    expect([...settingsFrom({ RISK_RULES: "none" }).enabled]).toEqual([]);
    // Legacy names (before the risk engine) map to the reasons they became.
    expect([...settingsFrom({ RISK_RULES: "new_asn_device" }).enabled]).toEqual([
      "new_network",
      "new_device",
    ]);
    expect([...settingsFrom({ RISK_RULES: "failure_burst,impossible_travel" }).enabled]).toEqual([
      "impossible_travel",
      "account_failure_burst",
      "network_failure_burst",
    ]);
    // Switched off, new_country no longer hides the new network it implies.
    const noCountry = settingsFrom({ RISK_RULES: "new_network" });
    expect(evaluateRisk(at({ country: "FR", asn: 12322 }), noCountry)).toEqual({
      score: W.new_network,
      reasons: ["new_network"],
    });
  });

  it("thresholds come from RISK_TRAVEL_KMH, RISK_FAILURE_BURST, RISK_NETWORK_FAILURE_BURST, RISK_UNUSUAL_HOURS", () => {
    const s = settingsFrom({
      RISK_TRAVEL_KMH: "2000",
      RISK_FAILURE_BURST: "3",
      RISK_NETWORK_FAILURE_BURST: "10",
      RISK_UNUSUAL_HOURS: "6",
    });
    expect(evaluateRisk(at({ travelKmh: 1500 }), s).reasons).toEqual([]);
    expect(evaluateRisk(at({ travelKmh: 2500 }), s).reasons).toEqual(["impossible_travel"]);
    expect(evaluateRisk(at({ accountFailures: 3 }), s).reasons).toEqual(["account_failure_burst"]);
    expect(evaluateRisk(at({ networkFailures: 10 }), s).reasons).toEqual(["network_failure_burst"]);
    // 15:00 is 5 hours from 10:00: no longer unusual with a 6-hour gap; 17:00 is.
    expect(evaluateRisk(at({ hour: 15 }), s).reasons).toEqual([]);
    expect(evaluateRisk(at({ hour: 17 }), s).reasons).toEqual(["unusual_hour"]);
  });

  it("equal weights keep catalogue order; the sort is by weight, heaviest first", () => {
    const s = settingsFrom({ RISK_WEIGHTS: "unknown_location:70,ip_jump:5" });
    expect(evaluateRisk(at({ country: null, asn: null, ipJump: true, newDevice: true }), s)).toEqual({
      score: 90,
      reasons: ["unknown_location", "new_device", "ip_jump"],
    });
  });
});

describe("the shipped hosting-network list", () => {
  it("holds the large clouds and hosters the issue names", () => {
    for (const asn of [16509, 14618, 15169, 396982, 8075, 14061, 16276, 24940, 63949, 20473, 31898]) {
      expect(HOSTING_ASNS.has(asn), String(asn)).toBe(true);
    }
    for (const asn of [45102, 132203, 51167, 12876, 9009, 60781, 16265]) {
      expect(HOSTING_ASNS.has(asn), String(asn)).toBe(true);
    }
    expect(hostingOperator(14061)).toBe("DigitalOcean");
  });

  it("leaves out home, mobile and CDN networks people sign in from", () => {
    // Deutsche Telekom, Comcast, Vodafone DE, T-Mobile US, Cloudflare (WARP), Akamai edge.
    for (const asn of [3320, 7922, 3209, 21928, 13335, 20940]) expect(HOSTING_ASNS.has(asn)).toBe(false);
    expect(hostingOperator(null)).toBeNull();
    expect(hostingOperator(3320)).toBeNull();
  });
});
