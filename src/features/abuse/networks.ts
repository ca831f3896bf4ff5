import type { ClientInfo } from "../../platform/client";
import type { Config } from "../../platform/config";
import { ipNetworkPrefix, ipRateKey } from "../../platform/rate-limits";
import type { AbuseThresholds, NetworkRef } from "./network-state";

/**
 * A request's networks for abuse signals, and the one AbuseMonitor object that holds them all.
 *
 * - `ip:<key>`: the client as per-IP rate limits count it (an IPv4 address, an IPv6 /64 — `ipRateKey`);
 * - `net:<prefix>`: its IPv4 /24 or IPv6 /48 (`ipNetworkPrefix`);
 * - `asn:<number>`: its autonomous system, when Cloudflare knows it.
 *
 * The object is chosen by the widest network the request has — the ASN, else the prefix, else the IP — so the
 * narrower networks of a request always land in the object of the wider one (an IP and its /24 belong to one
 * ASN): one Durable Object call reads or records all three.
 */
export interface RequestNetworks {
  /** The AbuseMonitor instance name. */
  route: string;
  refs: NetworkRef[];
}

export function requestNetworks(client: Pick<ClientInfo, "ip" | "asn">): RequestNetworks | null {
  const refs: NetworkRef[] = [];
  const ip = client.ip && client.ip !== "unknown" ? client.ip : null;
  if (ip) {
    refs.push({ level: "ip", key: `ip:${ipRateKey(ip)}` });
    const prefix = ipNetworkPrefix(ip);
    if (prefix) refs.push({ level: "prefix", key: `net:${prefix}` });
  }
  if (client.asn !== null) refs.push({ level: "asn", key: `asn:${client.asn}` });
  const widest = refs.at(-1);
  return widest ? { route: widest.key, refs } : null;
}

/** The thresholds of the configuration, in the units the monitor counts in. */
export function abuseThresholds(config: Config): AbuseThresholds {
  const [ip, prefix, asn] = config.ABUSE_STUFFING_ACCOUNTS;
  const [signupPrefix, signupAsn] = config.ABUSE_SIGNUP_BURST;
  return {
    windowMs: config.ABUSE_WINDOW * 1000,
    signalMs: config.ABUSE_SIGNAL_SECONDS * 1000,
    stuffing: { ip, prefix, asn },
    sprayAccounts: config.ABUSE_SPRAY_ACCOUNTS,
    loginsPerMinute: config.ABUSE_NETWORK_LOGINS,
    signups: { prefix: signupPrefix, asn: signupAsn },
  };
}
