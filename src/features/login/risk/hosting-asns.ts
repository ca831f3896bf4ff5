/**
 * Autonomous systems of hosting, cloud and data-centre networks. People sign in from homes, offices and mobile
 * carriers; a login from a rented server is a script, a proxy or a VPN exit far more often than a person, so the
 * risk engine adds the `hosting_asn` reason for these networks (features/login/risk/risk.ts).
 *
 * Source: each operator's own AS registrations as published in the RIR whois databases (ARIN, RIPE NCC, APNIC)
 * and PeeringDB, compiled December 2026. The list names the large public clouds and the hosting companies whose
 * networks most often carry automated logins; it is deliberately short (a hand-checked list, not a commercial
 * feed) and lives in code so that a change is reviewed. Review it yearly: operators add ASNs when they grow.
 * Not listed on purpose: CDN and edge networks that also carry ordinary users' traffic (Cloudflare WARP 13335,
 * Akamai 20940) and transit carriers.
 */
const HOSTING_NETWORKS: readonly (readonly [asn: number, operator: string])[] = [
  [16509, "Amazon Web Services (AMAZON-02)"],
  [14618, "Amazon Web Services (AMAZON-AES)"],
  [8987, "Amazon Web Services (Amazon Data Services Ireland)"],
  [15169, "Google (GOOGLE)"],
  [396982, "Google Cloud (GOOGLE-CLOUD-PLATFORM)"],
  [8075, "Microsoft Azure (MICROSOFT-CORP-MSN-AS-BLOCK)"],
  [31898, "Oracle Cloud (ORACLE-BMC-31898)"],
  [36351, "IBM Cloud (SOFTLAYER)"],
  [45102, "Alibaba Cloud (ALIBABA-CN-NET)"],
  [37963, "Alibaba Cloud (Hangzhou Alibaba Advertising)"],
  [132203, "Tencent Cloud (TENCENT-NET-AP-CN)"],
  [45090, "Tencent Cloud (Shenzhen Tencent Computer Systems)"],
  [136907, "Huawei Cloud (HWCLOUDS-AS-AP)"],
  [55990, "Huawei Cloud Service"],
  [14061, "DigitalOcean"],
  [16276, "OVHcloud (OVH SAS)"],
  [24940, "Hetzner Online"],
  [63949, "Akamai Connected Cloud (Linode)"],
  // Vultr's network is registered as AS-CHOOPA (The Constant Company): "Choopa" and "Vultr" are one ASN.
  [20473, "Vultr / Choopa (The Constant Company)"],
  [51167, "Contabo"],
  [12876, "Scaleway (Online SAS)"],
  [9009, "M247"],
  [60781, "Leaseweb Netherlands"],
  [16265, "Leaseweb (LEASEWEB)"],
  [28753, "Leaseweb Deutschland"],
  [30633, "Leaseweb USA"],
  [8560, "IONOS (1&1)"],
  [197540, "netcup"],
  [26496, "GoDaddy (AS-26496-GO-DADDY-COM-LLC)"],
  [46606, "Unified Layer (Bluehost)"],
  [36352, "ColoCrossing"],
  [53667, "FranTech Solutions (BuyVM)"],
  [54290, "Hostwinds"],
  [8100, "QuadraNet"],
  [29802, "Hivelocity"],
  [49981, "WorldStream"],
  [21859, "Zenlayer"],
  [60068, "Datacamp (CDN77)"],
  [212238, "Datacamp (CDN77)"],
  [199524, "G-Core Labs"],
  [202425, "IP Volume"],
  [9370, "SAKURA Internet"],
];

/** The ASNs of HOSTING_NETWORKS: the set the risk engine looks a login's network up in. */
export const HOSTING_ASNS: ReadonlySet<number> = new Set(HOSTING_NETWORKS.map(([asn]) => asn));

/** The operator of a listed hosting network ("DigitalOcean"), or null for any other network. */
export function hostingOperator(asn: number | null): string | null {
  if (asn === null) return null;
  return HOSTING_NETWORKS.find(([listed]) => listed === asn)?.[1] ?? null;
}
