/**
 * What a per-IP rate limit counts: an IPv4 address as itself, an IPv6 address by its /64. A home connection or
 * a cloud VM is given a whole /64 (RFC 6177, RFC 7421), so keying IPv6 by the full address would hand one
 * client 2^64 budgets. IPv4-mapped addresses (`::ffff:192.0.2.1`) are the IPv4 client they map. Anything that
 * does not parse is keyed by the raw string (still a budget, just not a shared one).
 *
 * `2001:DB8:1:2::7` → `2001:db8:1:2::/64`; `::ffff:192.0.2.1` → `192.0.2.1`; `203.0.113.7` → `203.0.113.7`.
 */
export function ipRateKey(ip: string): string {
  const text = ip.trim();
  const v4 = parseIpv4(text);
  if (v4) return v4.join(".");
  const v6 = parseIpv6(text);
  if (!v6) return ip;
  if (isIpv4Mapped(v6)) {
    const [hi, lo] = [v6[6] ?? 0, v6[7] ?? 0];
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
  }
  return `${v6
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2). */
function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

/** Four decimal octets, each 0–255, or null. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/**
 * The eight 16-bit groups of an IPv6 address in any RFC 4291 §2.2 text form (`::` compression, an embedded
 * dotted IPv4 tail, any case), with an RFC 6874 zone id (`%eth0`) dropped; null when it is not one.
 */
function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf("%");
  if (zone === 0 || zone === text.length - 1) return null;
  const address = zone > 0 ? text.slice(0, zone) : text;
  if (!address.includes(":")) return null;

  const halves = address.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** `a:b:c` (the last may be a dotted IPv4 address, two groups) → groups; "" → []; null when malformed. */
function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (!v4) return null;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
      groups.push(Number.parseInt(part, 16));
    }
  }
  return groups.length <= 8 ? groups : null;
}
