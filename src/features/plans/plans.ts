import { type Config, PLAN_NAMES, type PlanName, type PlanResource } from "../../platform/config";

/**
 * The plans as data: what each plan allows. A team without a `team_billing` row is on FREE. The numbers are
 * configuration (`PLAN_LIMITS`, parsed once per request with the rest of src/platform/config/index.ts; default
 * `FREE=5/3/3/10,PRO=100/50/50/100` as in ../shared/API.md), so an operator changes them without a code change.
 */
export const PLANS = PLAN_NAMES;
export type Plan = PlanName;
export type { PlanResource };
export type PlanLimits = Record<PlanResource, number>;

/** A team's spend limits as the API shows them (USD; the team_billing row holds micro-USD). */
export interface LimitsView {
  monthlyCapUsd: number | null;
  hardStop: boolean;
  warnAtPercent: number;
}

/** The limits of a plan under the deployment's configuration. */
export function limitsOf(config: Config, plan: Plan): PlanLimits {
  return config.PLAN_LIMITS[plan];
}

/** How a refusal names the limit ("Your plan allows 5 members. Upgrade to add more."). */
const RESOURCE_NOUN: Record<PlanResource, [singular: string, plural: string]> = {
  members: ["member", "members"],
  apiKeys: ["API key", "API keys"],
  customRoles: ["custom role", "custom roles"],
  eventsPerSecond: ["published event per second", "published events per second"],
};

export function planLimitDetail(resource: PlanResource, limit: number): string {
  const [one, many] = RESOURCE_NOUN[resource];
  return `Your plan allows ${limit} ${limit === 1 ? one : many}. Upgrade to add more.`;
}
