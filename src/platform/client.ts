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

/**
 * A coarse, dependency-free user-agent parse for people to recognise their devices ("Firefox on Windows"),
 * and for the device fingerprint. Not a security boundary: user agents are client-supplied.
 */
interface ParsedUserAgent {
  browser: string;
  os: string;
  type: "desktop" | "mobile" | "tablet" | "bot" | "other";
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\bOPR\/|\bOpera\b/, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bFirefox\/|\bFxiOS\//, "Firefox"],
  [/\bCriOS\/|\bChrome\/|\bChromium\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/\bcurl\//, "curl"],
  [/\bnode-fetch\b|\bundici\b|\bnode\b/i, "Node.js"],
  [/\bpython-requests\b|\bpython-httpx\b|\baiohttp\b/i, "Python"],
  [/\bGo-http-client\b/, "Go"],
  [/\bokhttp\b/i, "OkHttp"],
];

const SYSTEMS: [RegExp, string][] = [
  [/\bWindows\b/, "Windows"],
  [/\biPhone\b|\biPad\b|\biOS\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

function parseUserAgent(userAgent: string | null | undefined): ParsedUserAgent {
  const ua = (userAgent ?? "").slice(0, 512);
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? "Unknown browser";
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? "Unknown OS";
  let type: ParsedUserAgent["type"] = "other";
  if (/bot|crawler|spider/i.test(ua)) type = "bot";
  else if (/\biPad\b|\bTablet\b/.test(ua)) type = "tablet";
  else if (/\bMobile\b|\biPhone\b|\bAndroid\b/.test(ua)) type = "mobile";
  else if (/\bWindows\b|\bMacintosh\b|\bX11\b|\bCrOS\b/.test(ua)) type = "desktop";
  return { browser, os, type };
}

/** "Firefox on Windows". */
export function deviceLabel(userAgent: string | null | undefined): string {
  const p = parseUserAgent(userAgent);
  return `${p.browser} on ${p.os}`;
}
