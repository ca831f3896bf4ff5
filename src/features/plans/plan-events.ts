import type { RequestContext } from "../../platform/context";
import type { AfterCommit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import type { LimitsView, Plan } from "./plans";

/**
 * The plans feature's events on the team's stream (GET /api/v1/events), published after the change commits
 * (not critical: the audit log is the record, the stream a notification). Data: ids, plans and amounts only.
 */
export const planEvents = {
  changed(ctx: RequestContext, teamId: string, data: { plan: Plan; previousPlan: Plan }): AfterCommit[] {
    return [teamEventEffect(ctx, teamId, { type: "plan.changed", data })];
  },
  limitsChanged(
    ctx: RequestContext,
    teamId: string,
    data: { limits: LimitsView; previousLimits: LimitsView },
  ): AfterCommit[] {
    return [teamEventEffect(ctx, teamId, { type: "limits.changed", data })];
  },
  spendWarning(
    ctx: RequestContext,
    teamId: string,
    data: { kind: "warn" | "cap"; threshold: number; period: string; monthToDateUsd: number; capUsd: number },
  ): AfterCommit[] {
    return [teamEventEffect(ctx, teamId, { type: "spend.warning", data })];
  },
};
