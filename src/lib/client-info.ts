import type { Config } from "../env";
import type { RequestMeta } from "../services/audit";
import { deviceLabel } from "./user-agent";

/**
 * Where a request comes from: IP from `CF-Connecting-IP`, location from `request.cf`. Only in development and
 * test, the `CF-IPCountry`, `CF-IPCity` and `CF-ASN` request headers override `request.cf` (wrangler dev fills
 * `cf` with one mocked location), so local runs and black-box tests can simulate travel; production ignores them.
 */
export interface ClientInfo extends RequestMeta {
  country: string | null;
  city: string | null;
  asn: number | null;
  latitude: number | null;
  longitude: number | null;
  device: string;
}

type CfProperties = { country?: string; city?: string; asn?: number; latitude?: string; longitude?: string };

export function clientInfo(request: Request, ip: string, config: Config): ClientInfo {
  const cf = ((request as { cf?: CfProperties }).cf ?? {}) as CfProperties;
  const dev = config.ENVIRONMENT !== "production";
  const header = (name: string) => (dev ? (request.headers.get(name)?.trim() ?? null) : null);
  const country = header("cf-ipcountry") ?? cf.country ?? null;
  const city = header("cf-ipcity") ?? cf.city ?? null;
  const asnHeader = header("cf-asn");
  const asn = asnHeader && /^\d{1,10}$/.test(asnHeader) ? Number(asnHeader) : (cf.asn ?? null);
  const userAgent = request.headers.get("user-agent");
  return {
    ip,
    userAgent,
    country: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : null,
    city: city ? city.slice(0, 100) : null,
    asn,
    latitude: cf.latitude !== undefined && !header("cf-ipcountry") ? Number(cf.latitude) : null,
    longitude: cf.longitude !== undefined && !header("cf-ipcountry") ? Number(cf.longitude) : null,
    device: deviceLabel(userAgent),
  };
}

/** "Berlin, DE" / "DE" / null. */
export function locationLabel(info: { city: string | null; country: string | null }): string | null {
  if (info.city && info.country) return `${info.city}, ${info.country}`;
  return info.country ?? info.city ?? null;
}
