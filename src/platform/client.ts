/** Where an audited request came from. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Where a request comes from (IP, location, a device label people recognise), for audit, login activity and
 * the risk check. Built once per request by http/client-info.ts; background work uses SYSTEM_CLIENT.
 */
export interface ClientInfo extends RequestMeta {
  country: string | null;
  city: string | null;
  asn: number | null;
  latitude: number | null;
  longitude: number | null;
  device: string;
}

/** The client of work no request caused (cron maintenance, queue consumers). */
export const SYSTEM_CLIENT: ClientInfo = {
  ip: null,
  userAgent: null,
  country: null,
  city: null,
  asn: null,
  latitude: null,
  longitude: null,
  device: "Gatehouse",
};

/** "Berlin, DE" / "DE" / null. */
export function locationLabel(info: { city: string | null; country: string | null }): string | null {
  if (info.city && info.country) return `${info.city}, ${info.country}`;
  return info.country ?? info.city ?? null;
}
