import type { RequestContext } from "../../platform/context";
import { iso } from "../../platform/iso-time";
import { logger } from "../../platform/logger";
import { breakerSnapshots, knownBreakers } from "../../platform/outbound/breaker";
import type { BreakerSnapshot } from "../../platform/outbound/breaker-state";
import { configuredDependencies, type DependencyPolicy, policyOf } from "../../platform/outbound/policies";

/** One outbound dependency in `/health/ready`'s detail (platform staff only; docs/failure-isolation.md). */
export interface DependencyDetail {
  policy: DependencyPolicy;
  state: BreakerSnapshot["state"];
  /** Faults counted since the breaker was created (timeouts included). */
  failures: number;
  consecutiveFailures: number;
  timeouts: number;
  successes: number;
  /** Times the breaker opened. */
  opened: number;
  lastFailureAt: string | null;
  lastSuccessAt: string | null;
  lastTransitionAt: string | null;
  openedAt?: string;
  retryAt?: string;
}

export interface DependencyReport {
  dependencies: Record<string, DependencyDetail>;
  /** The dependencies whose breaker is not closed (their policy applies); readiness does not fail for them. */
  degraded: string[];
}

/**
 * Every known dependency's breaker: those the configuration always has (Turnstile, HIBP, the email providers)
 * and every name the breakers' registry has seen (each Virtuozzo host). One Durable Object call per name plus
 * one for the registry, made only for platform staff.
 */
export async function dependencyReport(ctx: RequestContext): Promise<DependencyReport> {
  const seen = await knownBreakers(ctx).catch((error: unknown) => {
    logger.warn("circuit breaker registry unreachable", { error });
    return [] as string[];
  });
  const names = [...new Set([...configuredDependencies(ctx.config), ...seen])].filter((n) => policyOf(n));
  const views = await breakerSnapshots(ctx, names);
  const dependencies: Record<string, DependencyDetail> = {};
  const degraded: string[] = [];
  for (const name of names.sort()) {
    const view = views[name];
    const policy = policyOf(name);
    if (!view || !policy) continue;
    if (view.state !== "closed") degraded.push(name);
    dependencies[name] = {
      policy,
      state: view.state,
      failures: view.counters.faults,
      consecutiveFailures: view.consecutiveFaults,
      timeouts: view.counters.timeouts,
      successes: view.counters.successes,
      opened: view.counters.opened,
      lastFailureAt: iso(view.lastFaultAt),
      lastSuccessAt: iso(view.lastSuccessAt),
      lastTransitionAt: iso(view.lastTransitionAt),
      ...(view.state !== "closed" && view.openedAt !== null
        ? { openedAt: iso(view.openedAt) as string }
        : {}),
      ...(view.state !== "closed" && view.retryAt !== null ? { retryAt: iso(view.retryAt) as string } : {}),
    };
  }
  return { dependencies, degraded };
}
