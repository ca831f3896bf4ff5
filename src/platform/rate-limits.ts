import type { CounterOp, RateLimitDecision, RateLimiter } from "../../durable-objects/rate-limiter";
import { hashToken } from "../crypto/tokens";
import { AuthError } from "./errors";
import { countMetric } from "./metrics";

/**
 * Named rate limits (../shared/API.md "Rate limits"). Each rule counts per subject of its scope (an IP, an
 * address hash, a user id); all the counters of one subject live in one RateLimiter Durable Object, so a request
 * touching several rules for the same subject pays one call. "Per IP" is the address for IPv4 and the /64 for
 * IPv6 (`ipRateKey`, below): applyLimits keys every `ip` subject, and every qualifier a rule marks `ip`, that way.
 */
export const RATE_LIMITS = {
  "register:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "register:email": { scope: "email", limit: 5, windowSeconds: 3600 },
  "resend:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "resend:email": { scope: "email", limit: 5, windowSeconds: 3600 },
  /** Verification mails actually sent per address and day (beyond this, resends are silently dropped). */
  "verify-mail:email": { scope: "email", limit: 3, windowSeconds: 86400 },
  "verify:ip": { scope: "ip", limit: 60, windowSeconds: 3600 },
  "login:ip": { scope: "ip", limit: 100, windowSeconds: 60 },
  /** Per IP and address: counted in the address's object, qualified by the IP. */
  "login:ip-email": { scope: "email", qualifier: "ip", limit: 10, windowSeconds: 60 },
  /** Failed logins that switch on the adaptive CAPTCHA (counted for unknown addresses too). */
  "login-fail:email": { scope: "email", limit: Number.MAX_SAFE_INTEGER, windowSeconds: 3600 },
  "login-fail:ip": { scope: "ip", limit: Number.MAX_SAFE_INTEGER, windowSeconds: 3600 },
  /** Failed logins per network (ASN): the risk engine's network_failure_burst (features/login/risk/risk.ts). */
  "login-fail:asn": { scope: "asn", limit: Number.MAX_SAFE_INTEGER, windowSeconds: 3600 },
  "forgot:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "forgot:email": { scope: "email", limit: 5, windowSeconds: 3600 },
  "reset:ip": { scope: "ip", limit: 20, windowSeconds: 3600 },
  "change-password:user": { scope: "user", limit: 10, windowSeconds: 3600 },
  /** Login step endpoints (password change now; device, approval and MFA codes later). */
  "login-step:ip": { scope: "ip", limit: 30, windowSeconds: 60 },
  /** Second-factor codes per user (on top of the 5-wrong-codes lock). */
  "mfa:user": { scope: "user", limit: 20, windowSeconds: 60 },
  "device-code:user": { scope: "user", limit: 20, windowSeconds: 60 },
  /** Step-up proofs per user (on top of the password lockout and the 2FA lock they count toward). */
  "step-up:user": { scope: "user", limit: 10, windowSeconds: 600 },
  /** Invitation mails per inviter (a member, or an API key's creator): an invite is a mail to a stranger. */
  "invite:user": { scope: "user", limit: 50, windowSeconds: 3600 },
  /**
   * Reports of a rejected Virtuozzo key per team (features/virtuozzo): each may cost a checksign at the provider,
   * so a holder reporting in a loop is bounded (concurrent reports already share one check).
   */
  "virtuozzo-invalid:team": { scope: "team", limit: 30, windowSeconds: 60 },
} as const satisfies Record<string, RateLimitRule>;

interface RateLimitRule {
  scope: "ip" | "email" | "user" | "asn" | "team";
  /** What the qualifier of an op names, when it is an IP (keyed like an `ip` subject). */
  qualifier?: "ip";
  limit: number;
  windowSeconds: number;
}

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimitDeps {
  limiter: DurableObjectNamespace<RateLimiter>;
  now: () => number;
}

export interface LimitOp {
  rule: RateLimitName;
  /** The IP, address hash or user id the rule's scope names. */
  subject: string;
  /** Narrows the counter within the subject (e.g. the IP for "login:ip-email"). */
  qualifier?: string;
  op?: CounterOp["op"];
}

/** Applies the operations, one Durable Object call per subject, in parallel; decisions in input order. */
export async function applyLimits(
  deps: RateLimitDeps,
  ops: readonly LimitOp[],
): Promise<RateLimitDecision[]> {
  const groups = new Map<string, { index: number; op: CounterOp }[]>();
  ops.forEach((o, index) => {
    const rule: RateLimitRule = RATE_LIMITS[o.rule];
    const key = `${rule.scope}:${rule.scope === "ip" ? ipRateKey(o.subject) : o.subject}`;
    const qualifier = o.qualifier && rule.qualifier === "ip" ? ipRateKey(o.qualifier) : o.qualifier;
    const counter = qualifier ? `${o.rule}:${qualifier}` : o.rule;
    const list = groups.get(key) ?? [];
    list.push({
      index,
      op: { counter, op: o.op ?? "hit", limit: rule.limit, windowSeconds: rule.windowSeconds },
    });
    groups.set(key, list);
  });
  const decisions: RateLimitDecision[] = new Array(ops.length);
  const now = deps.now();
  await Promise.all(
    [...groups].map(async ([key, list]) => {
      const limiter = deps.limiter.get(deps.limiter.idFromName(key));
      const results = await limiter.apply(
        list.map((l) => l.op),
        now,
      );
      list.forEach((l, i) => {
        decisions[l.index] = results[i] as RateLimitDecision;
      });
    }),
  );
  return decisions;
}

/** Throws 429 `rate_limited` with `Retry-After` when any hit among the decisions was refused. */
export function throwIfLimited(ops: readonly LimitOp[], decisions: readonly RateLimitDecision[]): void {
  const refused = decisions.filter((d, i) => (ops[i]?.op ?? "hit") === "hit" && !d.allowed);
  if (refused.length === 0) return;
  ops.forEach((op, i) => {
    if ((op.op ?? "hit") === "hit" && !decisions[i]?.allowed) {
      countMetric("gatehouse_rate_limited_total", { rule: op.rule });
    }
  });
  throw new AuthError("rate_limited", {
    headers: { "Retry-After": String(Math.max(...refused.map((d) => d.retryAfter))) },
    internal: { limits: ops.filter((_, i) => !decisions[i]?.allowed).map((o) => o.rule) },
  });
}

/** Hits every rule and throws 429 if any refuses. */
export async function enforceRateLimits(
  deps: RateLimitDeps,
  checks: readonly (readonly [RateLimitName, string])[],
): Promise<void> {
  const ops = checks.map(([rule, subject]) => ({ rule, subject }));
  throwIfLimited(ops, await applyLimits(deps, ops));
}

export async function hitRateLimit(
  deps: RateLimitDeps,
  rule: RateLimitName,
  subject: string,
): Promise<RateLimitDecision> {
  const [decision] = await applyLimits(deps, [{ rule, subject }]);
  return decision as RateLimitDecision;
}

/** Rate-limit and Durable Object keys never carry an address in clear. */
export function emailSubject(email: string): Promise<string> {
  return hashToken(`email:${email}`);
}

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

/**
 * The network an IP belongs to for abuse signals (features/abuse): an IPv4 address's /24, an IPv6 address's /48
 * (a site's allocation, RFC 6177), an IPv4-mapped address as its IPv4 client; null when it does not parse.
 *
 * `203.0.113.7` → `203.0.113.0/24`; `2001:DB8:1:2::7` → `2001:db8:1::/48`.
 */
export function ipNetworkPrefix(ip: string): string | null {
  const text = ip.trim();
  const v6 = parseIpv6(text);
  const v4 =
    parseIpv4(text) ??
    (v6 && isIpv4Mapped(v6) ? [(v6[6] ?? 0) >> 8, (v6[6] ?? 0) & 0xff, (v6[7] ?? 0) >> 8, 0] : null);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  if (!v6) return null;
  return `${v6
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(":")}::/48`;
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
