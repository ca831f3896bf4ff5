import { describe, expect, it } from "vitest";
import { assessLoginRisk, distanceKm, type LoginPlace, type RiskFacts } from "../../src/features/login/risk";
import { RISK_RULE_NAMES } from "../../src/platform/config";

const ALL = { rules: RISK_RULE_NAMES, travelKmh: 900, failureBurst: 5 };
const HOUR = 3_600_000;
const BERLIN = { country: "DE", asn: 3320, latitude: 52.52, longitude: 13.405 };
const T0 = 1_800_000_000_000;

function facts(overrides: Partial<RiskFacts> = {}): RiskFacts {
  return {
    lastSuccess: { ...BERLIN, at: T0 },
    knownCountries: ["DE"],
    knownAsns: [3320],
    recentFailures: 0,
    ...overrides,
  };
}

describe("distanceKm (haversine, mean Earth radius)", () => {
  it.each([
    // Reference great-circle distances (within 0.5 %).
    [
      "London → Paris",
      { latitude: 51.5074, longitude: -0.1278 },
      { latitude: 48.8566, longitude: 2.3522 },
      343.5,
    ],
    [
      "Berlin → Sydney",
      { latitude: 52.52, longitude: 13.405 },
      { latitude: -33.8688, longitude: 151.2093 },
      16_090,
    ],
    [
      "New York → Los Angeles",
      { latitude: 40.7128, longitude: -74.006 },
      { latitude: 34.0522, longitude: -118.2437 },
      3_936,
    ],
  ])("%s", (_name, a, b, km) => {
    expect(Math.abs(distanceKm(a, b) - km) / km).toBeLessThan(0.005);
    expect(distanceKm(a, b)).toBeCloseTo(distanceKm(b, a), 6);
  });

  it("is 0 for the same point and at most half the circumference for antipodes", () => {
    expect(distanceKm(BERLIN, BERLIN)).toBe(0);
    expect(distanceKm({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 })).toBeCloseTo(
      20_015.1,
      0,
    );
  });
});

describe("assessLoginRisk", () => {
  const at = (place: Partial<LoginPlace>, now = T0 + HOUR, newDevice = false) => ({
    now,
    place: { ...BERLIN, ...place },
    newDevice,
  });

  it("the same place is not suspicious", () => {
    expect(assessLoginRisk(facts(), at({}), ALL)).toEqual([]);
  });

  it("no baseline (first login), no location: nothing fires", () => {
    const none = facts({ lastSuccess: null, knownCountries: [], knownAsns: [], recentFailures: 50 });
    expect(
      assessLoginRisk(none, at({ country: "US", asn: 1, latitude: -33, longitude: 151 }, T0, true), ALL),
    ).toEqual([]);
    expect(
      assessLoginRisk(
        facts(),
        at({ country: null, asn: null, latitude: null, longitude: null }, T0, true),
        ALL,
      ),
    ).toEqual([]);
  });

  it("new country", () => {
    expect(assessLoginRisk(facts(), at({ country: "FR", latitude: null, longitude: null }), ALL)).toEqual([
      "new_country",
    ]);
    expect(
      assessLoginRisk(facts({ knownCountries: ["DE", "FR"] }), at({ country: "FR", latitude: null }), ALL),
    ).toEqual([]);
  });

  it("impossible travel above the configured speed, noise below 100 km ignored", () => {
    const sydney = { country: "DE", latitude: -33.8688, longitude: 151.2093 };
    expect(assessLoginRisk(facts(), at(sydney, T0 + 10 * HOUR), ALL)).toEqual(["impossible_travel"]);
    // 16,090 km in 20 hours is 805 km/h: a plane, not impossible.
    expect(assessLoginRisk(facts(), at(sydney, T0 + 20 * HOUR), ALL)).toEqual([]);
    // Potsdam (27 km) one second later: coarse geolocation, not travel.
    expect(assessLoginRisk(facts(), at({ latitude: 52.39, longitude: 13.06 }, T0 + 1000), ALL)).toEqual([]);
    // Munich (504 km) in 20 minutes.
    expect(assessLoginRisk(facts(), at({ latitude: 48.137, longitude: 11.575 }, T0 + HOUR / 3), ALL)).toEqual(
      ["impossible_travel"],
    );
    expect(
      assessLoginRisk(facts(), at({ latitude: 48.137, longitude: 11.575 }, T0 + HOUR / 3), {
        ...ALL,
        travelKmh: 2000,
      }),
    ).toEqual([]);
  });

  it("a new network counts only with a new device", () => {
    expect(assessLoginRisk(facts(), at({ asn: 64500 }, T0 + HOUR, false), ALL)).toEqual([]);
    expect(assessLoginRisk(facts(), at({ asn: 64500 }, T0 + HOUR, true), ALL)).toEqual(["new_asn_device"]);
    expect(assessLoginRisk(facts(), at({ asn: 3320 }, T0 + HOUR, true), ALL)).toEqual([]);
  });

  it("a burst of failures since the last success", () => {
    expect(assessLoginRisk(facts({ recentFailures: 4 }), at({}), ALL)).toEqual([]);
    expect(assessLoginRisk(facts({ recentFailures: 5 }), at({}), ALL)).toEqual(["failure_burst"]);
  });

  it("only the configured rules fire, in catalogue order", () => {
    const everything = at(
      { country: "AU", asn: 64500, latitude: -33.8688, longitude: 151.2093 },
      T0 + HOUR,
      true,
    );
    const f = facts({ recentFailures: 9 });
    expect(assessLoginRisk(f, everything, ALL)).toEqual([...RISK_RULE_NAMES]);
    expect(assessLoginRisk(f, everything, { ...ALL, rules: ["failure_burst", "new_country"] })).toEqual([
      "new_country",
      "failure_burst",
    ]);
    expect(assessLoginRisk(f, everything, { ...ALL, rules: [] })).toEqual([]);
  });
});
