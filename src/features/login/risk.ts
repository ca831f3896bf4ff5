import type { RiskRule } from "../../platform/config";

/**
 * The suspicious-login risk check: a pure function of what the login looks like now and
 * what earlier logins of the account looked like. It runs after the password was verified, on facts read in
 * the same D1 round trip as the login's own records (db/login-events.ts `riskFactsQuery`), so it adds no
 * storage call to a login.
 *
 * A rule that lacks its data (no earlier success, no location, no coordinates) does not fire: the check can
 * only compare against a known baseline. The first login of an account is therefore never "suspicious".
 */
export interface LoginPlace {
  country: string | null;
  asn: number | null;
  latitude: number | null;
  longitude: number | null;
}

export interface RiskFacts {
  /** The last successful login (time and place), if any. */
  lastSuccess: (LoginPlace & { at: number }) | null;
  /** Countries and networks of earlier successful logins (recent ones; see riskFactsQuery). */
  knownCountries: string[];
  knownAsns: number[];
  /** Failed attempts since the last success, within the configured window. */
  recentFailures: number;
}

export interface RiskSettings {
  rules: readonly RiskRule[];
  travelKmh: number;
  failureBurst: number;
}

export interface RiskInput {
  now: number;
  place: LoginPlace;
  /** The device is not one of the user's trusted devices. */
  newDevice: boolean;
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance (haversine), kilometres. */
export function distanceKm(a: { latitude: number; longitude: number }, b: typeof a): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Travel shorter than this is never "impossible": coordinates from IP geolocation are coarse (a city, often
 * a region), and two logins minutes apart from neighbouring cities must not look like a jet.
 */
export const TRAVEL_NOISE_KM = 100;

function travelSpeedKmh(from: LoginPlace & { at: number }, to: LoginPlace, now: number): number | null {
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

/** The rules that fire for this login, in catalogue order; empty means "not suspicious". */
export function assessLoginRisk(facts: RiskFacts, input: RiskInput, settings: RiskSettings): RiskRule[] {
  const fired: RiskRule[] = [];
  const on = (rule: RiskRule) => settings.rules.includes(rule);
  const { place, now } = input;
  const baseline = facts.lastSuccess !== null;
  if (
    on("new_country") &&
    baseline &&
    place.country !== null &&
    facts.knownCountries.length > 0 &&
    !facts.knownCountries.includes(place.country)
  ) {
    fired.push("new_country");
  }
  if (on("impossible_travel") && facts.lastSuccess) {
    const speed = travelSpeedKmh(facts.lastSuccess, place, now);
    if (speed !== null && speed > settings.travelKmh) fired.push("impossible_travel");
  }
  if (
    on("new_asn_device") &&
    baseline &&
    input.newDevice &&
    place.asn !== null &&
    facts.knownAsns.length > 0 &&
    !facts.knownAsns.includes(place.asn)
  ) {
    fired.push("new_asn_device");
  }
  if (on("failure_burst") && baseline && facts.recentFailures >= settings.failureBurst) {
    fired.push("failure_burst");
  }
  return fired;
}
