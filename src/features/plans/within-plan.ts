import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import type { CommitGuard } from "../../platform/unit-of-work";
import { limitsOf, type Plan, type PlanResource, planLimitDetail } from "./plans";
import { planLimitGuardStatement, planUsage } from "./store";

/** The resources counted in D1 (`eventsPerSecond` is a rate: the events feature checks it in the RATE_LIMITER). */
export type CountedResource = Exclude<PlanResource, "eventsPerSecond">;

/**
 * 402 `plan_limit_reached` when one more `resource` would exceed the team's plan (one D1 query). Called by the
 * services that create the counted things, before they commit: invitations (`members`, with
 * `countInvitations`: members plus pending invitations, the re-invited address's own excepted), accepting an
 * invitation and Door B (`members`), API keys (`apiKeys`, live ones), roles (`customRoles`).
 *
 * A team over a limit (after a downgrade, or when PLAN_LIMITS shrank) keeps everything it has; only further
 * creates are refused. The answer is the guard the caller passes to its `commit`: the same count re-checked
 * inside the creating batch, after the insert, so creates racing each other can never land over the limit
 * (the later batch is refused whole with the same 402).
 */
export async function assertWithinPlan(
  ctx: RequestContext,
  teamId: string,
  resource: CountedResource,
  options: { countInvitations?: boolean; reinvitedEmail?: string } = {},
): Promise<CommitGuard> {
  const scope = {
    teamId,
    now: ctx.now(),
    ...(options.countInvitations ? { invitationsExcept: options.reinvitedEmail ?? null } : {}),
  };
  const usage = await planUsage(ctx.db, scope);
  if (!usage) throw new AuthError("not_found");
  const plan = (usage.plan === "PRO" ? "PRO" : "FREE") satisfies Plan;
  const limit = limitsOf(ctx.config, plan)[resource];
  const count =
    resource === "members" ? Number(usage.members) + Number(usage.invited) : Number(usage[resource]);
  const refusal = (raced: boolean) =>
    new AuthError("plan_limit_reached", {
      detail: planLimitDetail(resource, limit),
      extra: { limit: resource, allowed: limit, plan },
      internal: { resource, count, limit, plan, ...(raced ? { raced } : {}) },
    });
  if (count + 1 > limit) throw refusal(false);
  return {
    statement: planLimitGuardStatement(ctx.db, { ...scope, resource, limit }),
    error: () => refusal(true),
  };
}
