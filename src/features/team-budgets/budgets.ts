import {
  BUDGET_SPANS,
  type BudgetSpan,
  type Config,
  type PlanName,
  TEAM_BUDGET_NAMES,
  type TeamBudgetName,
} from "../../platform/config";
import type { BudgetLine } from "./windows";

export type { BudgetSpan, TeamBudgetName };
/**
 * Per-team abuse budgets (issue 18 item 5, docs/team-budgets.md): the requests of a team's members and API keys
 * that cost the platform share one budget per kind, counted over fixed UTC windows (an hour, a day) in the
 * team's TeamLedger object. This file is pure: the budgets and their limits per plan; windows.ts holds the
 * window arithmetic the ledger runs (both unit-tested in test/unit/team-budgets.test.ts).
 */
export { BUDGET_SPANS, TEAM_BUDGET_NAMES };

export type BudgetLimits = Record<TeamBudgetName, Record<BudgetSpan, number>>;

/**
 * The built-in limits (TEAM_BUDGETS overrides any of them). Each sits above what one member may do alone (the
 * `invite:user` rate limit is 50 invitations an hour), so a budget only bites when a team as a whole —
 * several members, scripts with API keys — spends what a normal team does not: FREE is sized for a small team
 * on a busy day, PRO has ten times that.
 */
export const DEFAULT_BUDGETS: Record<PlanName, BudgetLimits> = {
  FREE: {
    logins: { hour: 300, day: 2_000 },
    mails: { hour: 100, day: 500 },
    invitations: { hour: 60, day: 200 },
    api_keys: { hour: 20, day: 60 },
  },
  PRO: {
    logins: { hour: 3_000, day: 20_000 },
    mails: { hour: 1_000, day: 5_000 },
    invitations: { hour: 600, day: 2_000 },
    api_keys: { hour: 200, day: 600 },
  },
};

/** How the copy, the mail and the pages name a budget. */
export const BUDGET_NOUNS: Record<TeamBudgetName, string> = {
  logins: "logins",
  mails: "emails",
  invitations: "invitations",
  api_keys: "API keys",
};

/** A plan column value → the plan (a team without a billing row, or an unknown value, is FREE). */
export function planOf(value: string | null | undefined): PlanName {
  return value === "PRO" ? "PRO" : "FREE";
}

/** The limits of a plan: the defaults with the deployment's TEAM_BUDGETS overrides applied. */
export function budgetLimits(config: Pick<Config, "TEAM_BUDGETS">, plan: PlanName): BudgetLimits {
  const limits = structuredClone(DEFAULT_BUDGETS[plan]);
  for (const o of config.TEAM_BUDGETS) {
    if (o.plan === plan) limits[o.budget][o.span] = o.limit;
  }
  return limits;
}

/** The lines of a charge (`{ invitations: 1, mails: 1 }`) under a plan's limits: one per budget and window. */
export function chargeLines(
  limits: BudgetLimits,
  charge: Partial<Record<TeamBudgetName, number>>,
): BudgetLine[] {
  const lines: BudgetLine[] = [];
  for (const budget of TEAM_BUDGET_NAMES) {
    const amount = charge[budget];
    if (!amount) continue;
    for (const span of BUDGET_SPANS) lines.push({ budget, span, limit: limits[budget][span], amount });
  }
  return lines;
}
