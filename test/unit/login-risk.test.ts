import { describe, expect, it } from "vitest";
import { distanceKm } from "../../src/features/login/risk/risk";
import {
  type BaselineLogin,
  loginRiskSignals,
  TRAVEL_NOISE_KM,
  travelSpeedKmh,
} from "../../src/features/login/risk/signals";

const HOUR = 3_600_000;
const BERLIN = { country: "DE", asn: 3320, latitude: 52.52, longitude: 13.405 };
const T0 = Date.UTC(2027, 0, 15, 9, 0);

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

describe("travelSpeedKmh: the impossible-travel signal", () => {
  const from: BaselineLogin = { ...BERLIN, at: T0 };
  const sydney = { country: "AU", asn: 1221, latitude: -33.8688, longitude: 151.2093 };

  it("distance over elapsed time", () => {
    // 16,090 km in 10 hours: 1,609 km/h, impossible; in 20 hours 805 km/h, a plane.
    expect(travelSpeedKmh(from, sydney, T0 + 10 * HOUR)).toBeCloseTo(1609, -1);
    expect(travelSpeedKmh(from, sydney, T0 + 20 * HOUR)).toBeCloseTo(805, -1);
  });

  it(`ignores geolocation noise below ${TRAVEL_NOISE_KM} km, and needs coordinates on both sides`, () => {
    // Potsdam (27 km) one second later: coarse geolocation, not travel.
    expect(travelSpeedKmh(from, { ...BERLIN, latitude: 52.39, longitude: 13.06 }, T0 + 1000)).toBe(0);
    expect(travelSpeedKmh(from, { ...BERLIN, latitude: null, longitude: null }, T0 + HOUR)).toBeNull();
    expect(travelSpeedKmh({ ...from, latitude: null }, sydney, T0 + HOUR)).toBeNull();
  });

  it("counts at least a minute between two logins (no division by zero)", () => {
    const munich = { ...BERLIN, latitude: 48.137, longitude: 11.575 };
    expect(travelSpeedKmh(from, munich, T0)).toBeCloseTo(504 * 60, -2);
  });
});

describe("loginRiskSignals: from the login's facts to the engine's signals", () => {
  const successes: BaselineLogin[] = [
    { ...BERLIN, at: T0 - HOUR },
    { ...BERLIN, country: "FR", asn: 12322, at: T0 - 30 * HOUR },
    { country: null, asn: null, latitude: null, longitude: null, at: T0 - 50 * HOUR },
    { ...BERLIN, at: T0 - 80 * HOUR },
  ];

  it("reduces the baseline: distinct places, hours of day, travel from the newest", () => {
    const signals = loginRiskSignals({
      now: T0,
      client: { country: "US", asn: 7922, latitude: 40.71, longitude: -74.0 },
      successes,
      failures: [],
      networkFailures: 3,
      newDevice: true,
    });
    expect(signals).toMatchObject({
      country: "US",
      asn: 7922,
      history: 4,
      knownCountries: ["DE", "FR"],
      knownAsns: [3320, 12322],
      hour: 9,
      newDevice: true,
      networkFailures: 3,
      ipJump: false,
    });
    // 8:00, 3:00, 7:00, 1:00 UTC.
    expect(signals.historyHours).toEqual([8, 3, 7, 1]);
    // Berlin → New York (6,385 km) in one hour.
    expect(signals.travelKmh).toBeGreaterThan(6000);
  });

  it("counts the account's failures since its last success only", () => {
    const failures = [{ at: T0 - 10 * 60_000 }, { at: T0 - 20 * 60_000 }, { at: T0 - 2 * HOUR }];
    const signals = loginRiskSignals({
      now: T0,
      client: BERLIN,
      successes,
      failures,
      networkFailures: 0,
      newDevice: false,
    });
    expect(signals.accountFailures).toBe(2);
    // Without any success every failure in the window counts.
    expect(
      loginRiskSignals({
        now: T0,
        client: BERLIN,
        successes: [],
        failures,
        networkFailures: 0,
        newDevice: false,
      }).accountFailures,
    ).toBe(3);
  });

  it("a first login has no history, no travel", () => {
    const signals = loginRiskSignals({
      now: T0,
      client: BERLIN,
      successes: [],
      failures: [],
      networkFailures: 0,
      newDevice: false,
    });
    expect(signals).toMatchObject({
      history: 0,
      knownCountries: [],
      knownAsns: [],
      historyHours: [],
      travelKmh: null,
    });
  });
});
