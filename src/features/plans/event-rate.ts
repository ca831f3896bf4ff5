import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { limitsOf } from "./plans";
import { billingOf } from "./store";

/** The counter of a team's published events in its RATE_LIMITER object (subject `team:<teamId>`). */
const COUNTER = "events:publish";

/**
 * The plan's `eventsPerSecond` for events a team's backend publishes (called first thing by
 * features/events/backend-publish.ts). Counted in the existing RATE_LIMITER Durable Object, one object per
 * team, with a 1-second sliding window: strongly consistent across isolates, and the team's object holds only
 * this counter. Beyond the rate → 429 `rate_limited` with `Retry-After` (not 402: a rate is transient, the
 * next second is within the plan again; the body names the limit so a client can tell it from other 429s).
 */
export async function enforceEventRate(ctx: RequestContext, teamId: string): Promise<void> {
  const [billing] = await billingOf(ctx.db, teamId);
  const plan = billing?.plan ?? "FREE";
  const allowed = limitsOf(ctx.config, plan).eventsPerSecond;
  const limiter = ctx.env.RATE_LIMITER.get(ctx.env.RATE_LIMITER.idFromName(`team:${teamId}`));
  const [decision] = await limiter.apply(
    [{ counter: COUNTER, op: "hit", limit: allowed, windowSeconds: 1 }],
    ctx.now(),
  );
  if (decision && !decision.allowed) {
    throw new AuthError("rate_limited", {
      detail: `Your plan allows ${allowed} published events per second. Try again in a moment.`,
      headers: { "Retry-After": String(Math.max(1, decision.retryAfter)) },
      extra: { limit: "eventsPerSecond", allowed },
      internal: { limit: "eventsPerSecond", allowed, plan },
    });
  }
}
