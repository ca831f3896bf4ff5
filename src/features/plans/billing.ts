import type { Principal } from "../../auth/principal";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit } from "../../platform/unit-of-work";
import { actorAudit, teamActor, viaKey } from "../teams/team-actor";
import { billingGroupType } from "../virtuozzo/billing-account";
import { MAX_CAP_MICROS, microsToUsd, usdToMicros } from "./money";
import { planEvents } from "./plan-events";
import { type LimitsView, limitsOf, type Plan } from "./plans";
import { type BillingRow, billingOf, upsertBillingStatement } from "./store";

/** The Virtuozzo account groupType that unlocks PRO. */
export const PRO_GROUP_TYPE = "billing";

/** What a team without a team_billing row has: FREE, no cap, no hard stop, warning at 80 %. */
export function defaultBilling(teamId: string): BillingRow {
  return {
    teamId,
    plan: "FREE",
    monthlyCapMicros: null,
    hardStop: false,
    warnAtPercent: 80,
    updatedBy: null,
    updatedAt: 0,
  };
}

export async function currentBilling(ctx: RequestContext, teamId: string): Promise<BillingRow> {
  const [row] = await billingOf(ctx.db, teamId);
  return row ?? defaultBilling(teamId);
}

export function limitsView(row: BillingRow): LimitsView {
  return {
    monthlyCapUsd: row.monthlyCapMicros === null ? null : microsToUsd(row.monthlyCapMicros),
    hardStop: row.hardStop,
    warnAtPercent: row.warnAtPercent,
  };
}

/** GET /teams/:teamId/plan (`billing:read`). */
export async function getPlan(ctx: RequestContext, teamId: string) {
  const [row, groupType] = await Promise.all([currentBilling(ctx, teamId), billingGroupType(ctx, teamId)]);
  return { plan: row.plan, limits: limitsOf(ctx.config, row.plan), groupType };
}

/**
 * POST /teams/:teamId/plan (`billing:manage`). PRO needs the team's connected Virtuozzo account to have
 * groupType `billing` (409 `billing_account_required`). A downgrade to FREE is always allowed, even over FREE's
 * limits: nothing is deleted, further creates answer 402 until the team is back under them.
 */
export async function changePlan(
  ctx: RequestContext,
  { auth, teamId, plan }: { auth: Principal; teamId: string; plan: Plan },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const [before, groupType] = await Promise.all([currentBilling(ctx, teamId), billingGroupType(ctx, teamId)]);
  if (plan === "PRO" && groupType !== PRO_GROUP_TYPE) {
    throw new AuthError("billing_account_required", { internal: { groupType } });
  }
  if (before.plan !== plan) {
    const now = ctx.now();
    await commit(ctx, {
      writes: [upsertBillingStatement(ctx.db, { ...before, plan, updatedBy: actor.userId, updatedAt: now })],
      audit: {
        action: "plan.changed",
        ...actorAudit(actor),
        target: { type: "team", id: teamId },
        metadata: { before: { plan: before.plan }, after: { plan }, groupType, ...viaKey(actor) },
      },
      after: planEvents.changed(ctx, teamId, { plan, previousPlan: before.plan }),
    });
  }
  return { plan, limits: limitsOf(ctx.config, plan), groupType };
}

/** GET /teams/:teamId/limits (`billing:read`). */
export async function getLimits(ctx: RequestContext, teamId: string): Promise<LimitsView> {
  return limitsView(await currentBilling(ctx, teamId));
}

/**
 * POST /teams/:teamId/limits (`billing:manage`): the fields given replace the current ones. The team's
 * TeamLedger reads the cap with every charge, so a new cap applies to the next usage post.
 */
export async function changeLimits(
  ctx: RequestContext,
  input: { auth: Principal; teamId: string } & Partial<LimitsView>,
): Promise<LimitsView> {
  const { teamId } = input;
  const actor = await teamActor(ctx, { auth: input.auth, teamId });
  const before = await currentBilling(ctx, teamId);
  let cap = before.monthlyCapMicros;
  if (input.monthlyCapUsd !== undefined) {
    if (input.monthlyCapUsd === null) cap = null;
    else {
      const parsed = usdToMicros(input.monthlyCapUsd, { max: MAX_CAP_MICROS, allowZero: true });
      if (!parsed.ok) throw AuthError.validation([{ path: "monthlyCapUsd", ...moneyMessage(parsed.reason) }]);
      cap = parsed.micros;
    }
  }
  const after: BillingRow = {
    ...before,
    monthlyCapMicros: cap,
    hardStop: input.hardStop ?? before.hardStop,
    warnAtPercent: input.warnAtPercent ?? before.warnAtPercent,
    updatedBy: actor.userId,
    updatedAt: ctx.now(),
  };
  const view = limitsView(after);
  const previous = limitsView(before);
  if (JSON.stringify(view) === JSON.stringify(previous)) return view;
  await commit(ctx, {
    writes: [upsertBillingStatement(ctx.db, after)],
    audit: {
      action: "limits.changed",
      ...actorAudit(actor),
      target: { type: "team", id: teamId },
      metadata: { before: previous, after: view, ...viaKey(actor) },
    },
    after: planEvents.limitsChanged(ctx, teamId, { limits: view, previousLimits: previous }),
  });
  return view;
}

/** The 422 message of a refused amount (money.ts reasons). */
export function moneyMessage(reason: string): { message: string; reason: string } {
  const messages: Record<string, string> = {
    not_a_number: "Send a number of USD.",
    negative: "Amounts cannot be negative.",
    zero: "Send an amount greater than zero.",
    too_precise: "Use at most 6 decimals (micro-USD).",
    too_large: "This amount is too large.",
  };
  return { message: messages[reason] ?? "Not a valid amount.", reason };
}
