import type { ClientInfo } from "../../../platform/client";
import { distanceKm, type RiskSignals, utcHour } from "./risk";

/**
 * Builds the risk engine's signals (risk.ts) from what a login already has at hand: the client's place, the
 * account's recent successful logins and failures (db/login-events.ts, read in the login's own D1 batch), the
 * ASN's failure counter (rate limiter) and whether the device is trusted. Pure.
 */
export interface LoginPlace {
  country: string | null;
  asn: number | null;
  latitude: number | null;
  longitude: number | null;
}

/** One earlier successful login, as the baseline query reads it (newest first). */
export type BaselineLogin = LoginPlace & { at: number };

export interface LoginRiskFacts {
  now: number;
  client: Pick<ClientInfo, "country" | "asn" | "latitude" | "longitude">;
  /** Earlier successful logins, newest first (recentSuccessesQuery). */
  successes: readonly BaselineLogin[];
  /** Times of failed attempts on the account within the window (recentFailuresQuery). */
  failures: readonly { at: number }[];
  /** Failed logins from the client's ASN within the hour (0 when the ASN is unknown). */
  networkFailures: number;
  /** Not one of the user's trusted devices (false when not looked up). */
  newDevice: boolean;
}

/**
 * Travel shorter than this is never "impossible": coordinates from IP geolocation are coarse (a city, often
 * a region), and two logins minutes apart from neighbouring cities must not look like a jet.
 */
export const TRAVEL_NOISE_KM = 100;

/** Speed (km/h) from an earlier login to a place, or null without coordinates on both sides. */
export function travelSpeedKmh(from: BaselineLogin, to: LoginPlace, now: number): number | null {
  if (from.latitude === null || from.longitude === null || to.latitude === null || to.longitude === null) {
    return null;
  }
  const km = distanceKm(
    { latitude: from.latitude, longitude: from.longitude },
    { latitude: to.latitude, longitude: to.longitude },
  );
  if (km < TRAVEL_NOISE_KM) return 0;
  // At least a minute between the two, so a same-second pair does not divide by zero.
  const hours = Math.max(now - from.at, 60_000) / 3_600_000;
  return km / hours;
}

function distinct<T>(values: Iterable<T | null>): T[] {
  const set = new Set<T>();
  for (const v of values) if (v !== null) set.add(v);
  return [...set];
}

/** The signals of a login attempt. */
export function loginRiskSignals(facts: LoginRiskFacts): RiskSignals {
  const { now, client, successes } = facts;
  const last = successes[0] ?? null;
  return {
    country: client.country,
    asn: client.asn,
    history: successes.length,
    knownCountries: distinct(successes.map((e) => e.country)),
    knownAsns: distinct(successes.map((e) => e.asn)),
    historyHours: successes.map((e) => utcHour(e.at)),
    hour: utcHour(now),
    newDevice: facts.newDevice,
    travelKmh: last ? travelSpeedKmh(last, client, now) : null,
    accountFailures: facts.failures.filter((f) => last === null || f.at > last.at).length,
    networkFailures: facts.networkFailures,
    ipJump: false,
  };
}
