import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import {
  BUDGET_SPANS,
  type BudgetSpan,
  budgetLimits,
  planOf,
  TEAM_BUDGET_NAMES,
  type TeamBudgetName,
} from "./budgets";
import { budgetLedger } from "./spend";
import { teamPlan } from "./store";
import { counterKey, rolled, SPAN_MS } from "./windows";

/** One budget over one window, as the admin API and the billing page show it. */
export interface BudgetUsage {
  budget: TeamBudgetName;
  window: BudgetSpan;
  used: number;
  limit: number;
  /** When the current window ends (ISO 8601 UTC). */
  resetsAt: string;
}

export interface TeamBudgetsView {
  teamId: string;
  plan: "FREE" | "PRO";
  budgets: BudgetUsage[];
}

/**
 * GET /admin/teams/:teamId/budgets (and the billing page): every budget's use in its current windows under the
 * team's plan — one D1 read for the plan, one TeamLedger read for the counters. 404 when the team is unknown.
 */
export async function teamBudgets(ctx: RequestContext, teamId: string): Promise<TeamBudgetsView> {
  const [team, counters] = await Promise.all([
    teamPlan(ctx.db, teamId),
    budgetLedger(ctx, teamId).budgetCounters(),
  ]);
  if (!team) throw new AuthError("not_found");
  const plan = planOf(team.plan);
  const limits = budgetLimits(ctx.config, plan);
  const stored = new Map(counters.map((c) => [counterKey(c), c]));
  const now = ctx.now();
  const budgets: BudgetUsage[] = [];
  for (const budget of TEAM_BUDGET_NAMES) {
    for (const span of BUDGET_SPANS) {
      const line = { budget, span };
      const counter = rolled(stored.get(counterKey(line)), line, now);
      budgets.push({
        budget,
        window: span,
        used: counter.used,
        limit: limits[budget][span],
        resetsAt: new Date(counter.start + SPAN_MS[span]).toISOString(),
      });
    }
  }
  return { teamId, plan, budgets };
}
