import {
  type Config,
  DEFAULT_RISK_WEIGHTS,
  RISK_REASON_NAMES,
  type RiskReason,
} from "../../../platform/config";
import { HOSTING_ASNS } from "./hosting-asns";

export type { RiskReason } from "../../../platform/config";

/**
 * The risk engine (docs/risk-engine.md): one pure function from the signals of a login attempt (or of a
 * session's binding check) to a score 0..100 and the reasons behind it. Each reason that fires adds its weight
 * (RISK_WEIGHTS); the score is the capped sum. The login decides with it (RISK_APPROVAL_SCORE opens the
 * suspicious-login approval), sessions keep it (RISK_STEP_UP_SCORE asks a risky session for a second factor on
 * step-up), and the login activity records it.
 *
 * The signals are built from facts read in the login's own D1 round trip (risk-signals.ts); nothing here does
 * I/O, so a call costs microseconds (bench/hot-paths.mjs measures it).
 */
export interface RiskSignals {
  /** The client's country (ISO 3166-1 alpha-2) and network (ASN); null when unknown. */
  country: string | null;
  asn: number | null;
  /** How many earlier successful logins the baseline holds (0: a first login, nothing to compare against). */
  history: number;
  /** Countries, networks and times of day (UTC hours, 0 ≤ h < 24) of those logins. */
  knownCountries: readonly string[];
  knownAsns: readonly number[];
  historyHours: readonly number[];
  /** The time of day of this attempt, UTC hours (0 ≤ h < 24). */
  hour: number;
  /** The device is not one of the user's trusted devices (false when not known). */
  newDevice: boolean;
  /** Speed (km/h) from the last successful login to here; null without coordinates on both sides. */
  travelKmh: number | null;
  /** Failed attempts on the account since its last success, within RISK_FAILURE_WINDOW. */
  accountFailures: number;
  /** Failed logins from the client's ASN within the hour (rate-limit counter `login-fail:asn`). */
  networkFailures: number;
  /** A session's binding check: another /24 (/48) or network than the session started from. */
  ipJump: boolean;
}

/** Signals that fire nothing: spread it and set what you know (e.g. a binding check sets `ipJump`, place). */
export const NO_RISK_SIGNALS: Readonly<RiskSignals> = Object.freeze({
  country: null,
  asn: null,
  history: 0,
  knownCountries: [],
  knownAsns: [],
  historyHours: [],
  hour: 0,
  newDevice: false,
  travelKmh: null,
  accountFailures: 0,
  networkFailures: 0,
  ipJump: false,
});

export interface RiskSettings {
  /** The reasons evaluated (RISK_RULES); the others never fire. */
  enabled: ReadonlySet<RiskReason>;
  /** Points per reason (RISK_WEIGHTS over DEFAULT_RISK_WEIGHTS); a weight of 0 drops the reason. */
  weights: Readonly<Record<RiskReason, number>>;
  /** impossible_travel above this speed. */
  travelKmh: number;
  /** account_failure_burst from this many failures. */
  failureBurst: number;
  /** network_failure_burst from this many failures from the ASN. */
  networkFailureBurst: number;
  /** unusual_hour at this many hours or more from every earlier login's time of day. */
  unusualHours: number;
}

export interface RiskEvaluation {
  /** 0..100: the sum of the weights of the reasons, capped at 100. */
  score: number;
  /** The reasons that fired, heaviest first (ties in catalogue order). */
  reasons: RiskReason[];
}

/** unusual_hour needs this many earlier successful logins: fewer say nothing about a person's habits. */
export const UNUSUAL_HOUR_MIN_HISTORY = 5;

/** Distance between two times of day on the 24-hour circle (23:30 and 00:30 are one hour apart). */
export function circularHourDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return d > 12 ? 24 - d : d;
}

/** The time of day of an instant, UTC hours with minutes as a fraction (0 ≤ h < 24). */
export function utcHour(at: number): number {
  return (((at % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
}

function fires(reason: RiskReason, s: RiskSignals, settings: RiskSettings, countryIsNew: boolean): boolean {
  switch (reason) {
    case "impossible_travel":
      return s.travelKmh !== null && s.travelKmh > settings.travelKmh;
    case "new_country":
      return countryIsNew;
    case "account_failure_burst":
      return s.accountFailures >= settings.failureBurst;
    case "new_network":
      // A new country is nearly always a new network too: counted once, as the country.
      return (
        s.history > 0 &&
        s.asn !== null &&
        s.knownAsns.length > 0 &&
        !s.knownAsns.includes(s.asn) &&
        !(countryIsNew && counted("new_country", settings))
      );
    case "hosting_asn":
      return s.asn !== null && HOSTING_ASNS.has(s.asn);
    case "network_failure_burst":
      return s.networkFailures >= settings.networkFailureBurst;
    case "ip_jump":
      return s.ipJump;
    case "new_device":
      return s.history > 0 && s.newDevice;
    case "unusual_hour": {
      if (s.historyHours.length < UNUSUAL_HOUR_MIN_HISTORY) return false;
      let nearest = 12;
      for (const h of s.historyHours) nearest = Math.min(nearest, circularHourDistance(s.hour, h));
      return nearest >= settings.unusualHours;
    }
    case "unknown_location":
      return s.country === null && s.asn === null;
  }
}

function counted(reason: RiskReason, settings: RiskSettings): boolean {
  return settings.enabled.has(reason) && settings.weights[reason] > 0;
}

/** The score and reasons of one attempt. Pure; table-tested in test/unit/risk-engine.test.ts. */
export function evaluateRisk(signals: RiskSignals, settings: RiskSettings): RiskEvaluation {
  const countryIsNew =
    signals.history > 0 &&
    signals.country !== null &&
    signals.knownCountries.length > 0 &&
    !signals.knownCountries.includes(signals.country);
  const reasons: RiskReason[] = [];
  let sum = 0;
  for (const reason of RISK_REASON_NAMES) {
    if (!counted(reason, settings) || !fires(reason, signals, settings, countryIsNew)) continue;
    reasons.push(reason);
    sum += settings.weights[reason];
  }
  // Stable: equal weights keep catalogue order.
  reasons.sort((a, b) => settings.weights[b] - settings.weights[a]);
  return { score: Math.min(100, sum), reasons };
}

const settingsCache = new WeakMap<Config, RiskSettings>();

/** The risk settings of a deployment (RISK_* variables), built once per parsed configuration. */
export function riskSettings(config: Config): RiskSettings {
  let settings = settingsCache.get(config);
  if (!settings) {
    settings = {
      enabled: new Set(config.RISK_RULES),
      weights: config.RISK_WEIGHTS ?? DEFAULT_RISK_WEIGHTS,
      travelKmh: config.RISK_TRAVEL_KMH,
      failureBurst: config.RISK_FAILURE_BURST,
      networkFailureBurst: config.RISK_NETWORK_FAILURE_BURST,
      unusualHours: config.RISK_UNUSUAL_HOURS,
    };
    settingsCache.set(config, settings);
  }
  return settings;
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
