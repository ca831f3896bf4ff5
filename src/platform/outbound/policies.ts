import type { Config } from "../config";

/**
 * What Gatehouse does when each outbound dependency is down (its breaker open, or the call timed out or failed):
 * the one table (docs/failure-isolation.md). `/health/ready` shows it to platform admins next to each breaker.
 */
export const DEPENDENCY_POLICIES = {
  /** A CAPTCHA that cannot be checked is not passed: `captcha_required` (platform/outbound/turnstile.ts). */
  turnstile: { policy: "fail-closed", timeoutMs: 5_000 },
  /** The password is accepted, a warning logged and counted (features/passwords/breached.ts; NIST 800-63B SHOULD). */
  hibp: { policy: "fail-open", timeoutMs: 2_000 },
  /** The secondary provider takes the mail, else the queue retries it (never lost; features/email-delivery). */
  email: { policy: "failover-then-queue", timeoutMs: 10_000 },
  /** That host's calls answer `virtuozzo_unavailable` (features/virtuozzo/client.ts); other hosts are unaffected. */
  virtuozzo: { policy: "fail-closed", timeoutMs: 8_000 },
} as const;

export type DependencyFamily = keyof typeof DEPENDENCY_POLICIES;
export type DependencyPolicy = (typeof DEPENDENCY_POLICIES)[DependencyFamily]["policy"];

/** The family of a dependency name: `turnstile`, `hibp`, `email:<provider>`, `virtuozzo:<host>`. */
export function familyOf(dependency: string): DependencyFamily | null {
  const family = dependency.split(":")[0] ?? "";
  return Object.hasOwn(DEPENDENCY_POLICIES, family) ? (family as DependencyFamily) : null;
}

export function policyOf(dependency: string): DependencyPolicy | null {
  const family = familyOf(dependency);
  return family ? DEPENDENCY_POLICIES[family].policy : null;
}

/** The breaker name of a Virtuozzo installation: one breaker per API host, so one host's outage stays its own. */
export function virtuozzoDependency(apiUrl: string): string {
  return `virtuozzo:${new URL(apiUrl).host.toLowerCase()}`;
}

/**
 * The HTTP email providers the configuration sends through, as their breakers are named
 * (features/email-delivery/providers.ts): `email:<primary>`, then `email:<secondary>` when one is set — or
 * `email:<kind>-secondary` when both are of the same kind, so the two keep separate breakers. The development
 * mailbox is no outbound dependency.
 */
export function emailDependencies(config: Config): string[] {
  const primary: string = config.EMAIL_PROVIDER;
  const secondary: string | undefined = config.EMAIL_SECONDARY_PROVIDER;
  const names = primary === "mailbox" ? [] : [`email:${primary}`];
  if (secondary) names.push(secondary === primary ? `email:${secondary}-secondary` : `email:${secondary}`);
  return names;
}

/**
 * The dependencies this configuration always has (the health detail lists them even before their first call):
 * Turnstile, HIBP when enabled, the email providers. Virtuozzo hosts come from the breakers' registry.
 */
export function configuredDependencies(config: Config): string[] {
  return ["turnstile", ...(config.HIBP_ENABLED ? ["hibp"] : []), ...emailDependencies(config)];
}
