import type { ClientInfo } from "../platform/client";
import { deviceLabel } from "../platform/client";
import type { Config } from "../platform/config";

type CfProperties = {
  country?: string;
  city?: string;
  asn?: number;
  latitude?: string | number;
  longitude?: string | number;
};

/**
 * Builds the ClientInfo of a request: IP from `CF-Connecting-IP`, location from `request.cf`. Only in development
 * and test, the `CF-IPCountry`, `CF-IPCity`, `CF-ASN` (and, a Gatehouse extension, `CF-IPLatitude`/`CF-IPLongitude`)
 * request headers override `request.cf` (wrangler dev fills `cf` with one mocked location), so local runs and
 * black-box tests can simulate travel; production ignores them.
 */
export function clientInfo(request: Request, ip: string, config: Config): ClientInfo {
  const cf = ((request as { cf?: CfProperties }).cf ?? {}) as CfProperties;
  const dev = config.ENVIRONMENT !== "production";
  const header = (name: string) => (dev ? (request.headers.get(name)?.trim() ?? null) : null);
  // A development header that moves the client to another place replaces the whole of `request.cf`'s (mocked)
  // location: its city, network and coordinates belong to the mock, not to the simulated place.
  const moved = header("cf-ipcountry") !== null || header("cf-ipcity") !== null;
  const place: CfProperties = moved ? {} : cf;
  const country = header("cf-ipcountry") ?? place.country ?? null;
  const city = header("cf-ipcity") ?? place.city ?? null;
  const asnHeader = header("cf-asn");
  const asn = asnHeader && /^\d{1,10}$/.test(asnHeader) ? Number(asnHeader) : (place.asn ?? null);
  // `CF-IPLatitude`/`CF-IPLongitude` (a Gatehouse extension) give coordinates for simulating travel.
  const latitude = coordinate(header("cf-iplatitude") ?? place.latitude, 90);
  const longitude = coordinate(header("cf-iplongitude") ?? place.longitude, 180);
  const userAgent = request.headers.get("user-agent");
  return {
    ip,
    userAgent,
    country: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : null,
    city: city ? city.slice(0, 100) : null,
    asn: asn !== null && Number.isSafeInteger(asn) ? asn : null,
    latitude: latitude !== null && longitude !== null ? latitude : null,
    longitude: latitude !== null && longitude !== null ? longitude : null,
    device: deviceLabel(userAgent),
  };
}

function coordinate(value: string | number | undefined | null, limit: number): number | null {
  if (value === undefined || value === null || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}
