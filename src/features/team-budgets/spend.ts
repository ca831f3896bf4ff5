import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { BUDGET_NOUNS, budgetLimits, chargeLines, planOf, type TeamBudgetName } from "./budgets";
import { teamOwner, teamPlan } from "./store";
import type { SpendDecision } from "./windows";

export type BudgetCharge = Partial<Record<TeamBudgetName, number>>;

export interface ChargeInput {
  teamId: string;
  /** The team's plan column when the caller's own query already read it (session-exchange); else one D1 read. */
  plan?: string | null | undefined;
  charge: BudgetCharge;
  /** Who caused the charge (the audit entry's actor when it is refused). */
  actorId?: string | null | undefined;
}

/** The team's ledger object (one per team, the same one that holds its spend: features/plans/usage.ts). */
export function budgetLedger(ctx: RequestContext, teamId: string) {
  return ctx.env.TEAM_LEDGER.get(ctx.env.TEAM_LEDGER.idFromName(teamId));
}

/**
 * Charges a team's abuse budgets — one TeamLedger call, all or nothing — and answers 429
 * `team_budget_exceeded` (`budget`, `Retry-After`) when one of them is spent. Call it after the request's own
 * checks (a member's permission, a plan limit) and before its commit: a refused request then changes nothing
 * and counts nothing. The first refusal of a window mails the Owner and is audited (notify.ts); later ones in
 * the same window only answer 429.
 */
export async function chargeTeamBudget(ctx: RequestContext, input: ChargeInput): Promise<void> {
  const plan = input.plan === undefined ? (await teamPlan(ctx.db, input.teamId))?.plan : input.plan;
  const lines = chargeLines(budgetLimits(ctx.config, planOf(plan)), input.charge);
  if (lines.length === 0) return;
  const decision = await budgetLedger(ctx, input.teamId).spendBudgets({ lines, now: ctx.now() });
  if (decision.allowed) return;
  if (decision.notify) await notifyOwner(ctx, { ...input, decision });
  logger.warn("team budget exceeded", {
    teamId: input.teamId,
    budget: decision.budget,
    window: decision.span,
    limit: decision.limit,
  });
  throw budgetError(decision);
}

/** The 429 of a refused charge; the copy names the budget ("This team has reached its limit for emails."). */
export function budgetError(decision: Extract<SpendDecision, { allowed: false }>): AuthError {
  return new AuthError("team_budget_exceeded", {
    detail: `This team has reached its limit for ${BUDGET_NOUNS[decision.budget as TeamBudgetName]}. Try again later.`,
    extra: { budget: decision.budget },
    headers: { "Retry-After": String(decision.retryAfter) },
    internal: { window: decision.span, limit: decision.limit, used: decision.used },
  });
}

/**
 * The first refusal of a budget window: the Owner's mail and the audit entry, in one batch. The ledger has
 * already marked the window told, so concurrent refusals cannot send a second mail; a failed batch is logged
 * and the refusal still answers 429 (the mail is lost for this window rather than sent twice).
 */
async function notifyOwner(
  ctx: RequestContext,
  input: ChargeInput & { decision: Extract<SpendDecision, { allowed: false }> },
): Promise<void> {
  const { teamId, decision } = input;
  try {
    const owner = await teamOwner(ctx.db, teamId);
    const mail = owner
      ? await prepareEmail(outboxDeps(ctx), {
          template: "team_budget_exceeded",
          to: owner.email,
          data: {
            ...(owner.name ? { name: owner.name } : {}),
            teamName: owner.teamName,
            budget: BUDGET_NOUNS[decision.budget as TeamBudgetName],
            limit: decision.limit,
            window: decision.span,
            resetsAt: `${new Date(decision.resetsAt).toISOString().slice(0, 16).replace("T", " ")} UTC`,
            billingUrl: `${ctx.config.PUBLIC_ORIGIN}/teams/${teamId}/billing`,
          },
        })
      : null;
    await commit(ctx, {
      audit: {
        action: "team.budget_exceeded",
        actorId: input.actorId ?? null,
        teamId,
        target: { type: "team", id: teamId },
        metadata: {
          budget: decision.budget,
          window: decision.span,
          limit: decision.limit,
          used: decision.used,
          resetsAt: new Date(decision.resetsAt).toISOString(),
          ownerMailed: owner !== undefined,
        },
      },
      mails: [mail],
    });
  } catch (error) {
    logger.error("team budget notice not recorded", { teamId, budget: decision.budget, error });
  }
}

/**
 * A login into a team (session-exchange, or a team switch into it) spends the team's `logins` budget; a session
 * outside any team spends nothing. Called after the membership check, so a non-member never learns anything of
 * the team's budget. `plan` comes with the membership query (db/teams.ts membershipOf): no extra D1 read.
 */
export async function chargeTeamLogin(
  ctx: RequestContext,
  input: { grant: { team: { id: string } | null; plan?: string | undefined }; userId: string },
): Promise<void> {
  const { team, plan } = input.grant;
  if (!team) return;
  await chargeTeamBudget(ctx, {
    teamId: team.id,
    plan: plan ?? null,
    charge: { logins: 1 },
    actorId: input.userId,
  });
}
