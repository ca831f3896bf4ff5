import { z } from "zod";

/** The reasons of the risk engine (features/login/risk/risk.ts, docs/risk-engine.md), in catalogue order. */
export const RISK_REASON_NAMES = [
  "impossible_travel",
  "new_country",
  "account_failure_burst",
  "new_network",
  "hosting_asn",
  "network_failure_burst",
  "ip_jump",
  "new_device",
  "unusual_hour",
  "unknown_location",
] as const;
export type RiskReason = (typeof RISK_REASON_NAMES)[number];

/** Each reason's default weight (points of the 0..100 score); RISK_WEIGHTS overrides some. */
export const DEFAULT_RISK_WEIGHTS: Readonly<Record<RiskReason, number>> = {
  impossible_travel: 60,
  new_country: 50,
  account_failure_burst: 50,
  new_network: 35,
  hosting_asn: 35,
  network_failure_burst: 30,
  ip_jump: 30,
  new_device: 15,
  unusual_hour: 15,
  unknown_location: 10,
};

/** The rule names of the suspicious-login check before the risk engine, still accepted by RISK_RULES. */
export const LEGACY_RISK_RULES = {
  new_asn_device: ["new_device", "new_network"],
  failure_burst: ["account_failure_burst", "network_failure_burst"],
} as const satisfies Record<string, readonly RiskReason[]>;

/** What RISK_RULES accepts: a reason, or a legacy rule name (switching the reasons it became). */
export const RISK_RULE_NAMES = [
  ...RISK_REASON_NAMES,
  ...(Object.keys(LEGACY_RISK_RULES) as (keyof typeof LEGACY_RISK_RULES)[]),
] as const;
export type RiskRule = (typeof RISK_RULE_NAMES)[number];

/** A comma-separated list of risk rules (reasons or legacy names), `all` (the default) or `none` → the reasons on. */
export const riskRules = z
  .string()
  .default("all")
  .transform((s, ctx) => {
    const value = s.trim();
    if (value === "all") return [...RISK_REASON_NAMES];
    if (value === "none" || value === "") return [];
    const reasons = new Set<RiskReason>();
    for (const part of value.split(",").map((p) => p.trim())) {
      if (part in LEGACY_RISK_RULES) {
        for (const r of LEGACY_RISK_RULES[part as keyof typeof LEGACY_RISK_RULES]) reasons.add(r);
      } else if ((RISK_REASON_NAMES as readonly string[]).includes(part)) {
        reasons.add(part as RiskReason);
      } else {
        ctx.addIssue({ code: "custom", message: `unknown rule: ${part}` });
        return z.NEVER;
      }
    }
    return RISK_REASON_NAMES.filter((r) => reasons.has(r));
  });

/** `name:weight,…` (weights 0..100) over DEFAULT_RISK_WEIGHTS; empty keeps the defaults. */
export const riskWeights = z
  .string()
  .default("")
  .transform((s, ctx) => {
    const weights: Record<RiskReason, number> = { ...DEFAULT_RISK_WEIGHTS };
    for (const part of s.split(",").map((p) => p.trim())) {
      if (part === "") continue;
      const m = /^([a-z_]+)\s*:\s*(\d{1,3})$/.exec(part);
      const name = m?.[1] as RiskReason | undefined;
      const weight = Number(m?.[2]);
      if (!m || !name || !(RISK_REASON_NAMES as readonly string[]).includes(name) || weight > 100) {
        ctx.addIssue({ code: "custom", message: `expected reason:weight (0..100), got: ${part}` });
        return z.NEVER;
      }
      weights[name] = weight;
    }
    return weights as Readonly<Record<RiskReason, number>>;
  });

/** The plans and the resources each one limits (features/plans). */
export const PLAN_NAMES = ["FREE", "PRO"] as const;
export type PlanName = (typeof PLAN_NAMES)[number];
export const PLAN_RESOURCES = ["members", "apiKeys", "customRoles", "eventsPerSecond"] as const;
export type PlanResource = (typeof PLAN_RESOURCES)[number];

/**
 * `PLAN_LIMITS`: `PLAN=members/apiKeys/customRoles/eventsPerSecond` for every plan exactly once, comma-separated,
 * each an integer 1..1,000,000 (0 would refuse the Owner's own membership).
 */
export const planLimits = z
  .string()
  .default("FREE=5/3/3/10,PRO=100/50/50/100")
  .transform((s, ctx) => {
    const table: Partial<Record<PlanName, Record<PlanResource, number>>> = {};
    for (const part of s.split(",").map((p) => p.trim())) {
      const m = /^([A-Z]+)=(\d{1,7})\/(\d{1,7})\/(\d{1,7})\/(\d{1,7})$/.exec(part);
      const plan = m?.[1] as PlanName;
      const numbers = m?.slice(2).map(Number) ?? [];
      if (!m || !PLAN_NAMES.includes(plan) || table[plan] || numbers.some((n) => n < 1 || n > 1_000_000)) {
        ctx.addIssue({
          code: "custom",
          message: `expected PLAN=members/apiKeys/customRoles/eventsPerSecond (1..1000000): ${part}`,
        });
        return z.NEVER;
      }
      table[plan] = Object.fromEntries(PLAN_RESOURCES.map((r, i) => [r, numbers[i]])) as Record<
        PlanResource,
        number
      >;
    }
    if (PLAN_NAMES.some((p) => !table[p])) {
      ctx.addIssue({ code: "custom", message: `every plan needs limits: ${PLAN_NAMES.join(", ")}` });
      return z.NEVER;
    }
    return table as Record<PlanName, Record<PlanResource, number>>;
  });

/** The per-team abuse budgets (features/team-budgets) and the windows each one is counted over. */
export const TEAM_BUDGET_NAMES = ["logins", "mails", "invitations", "api_keys"] as const;
export type TeamBudgetName = (typeof TEAM_BUDGET_NAMES)[number];
export const BUDGET_SPANS = ["hour", "day"] as const;
export type BudgetSpan = (typeof BUDGET_SPANS)[number];
export interface TeamBudgetOverride {
  plan: PlanName;
  budget: TeamBudgetName;
  span: BudgetSpan;
  limit: number;
}

/**
 * `TEAM_BUDGETS`: overrides of the built-in budget limits (features/team-budgets/budgets.ts), comma-separated
 * `PLAN.budget=LIMIT/h` or `PLAN.budget=LIMIT/d` (per hour, per UTC day), each limit 1..10,000,000; empty: the
 * defaults. E.g. `FREE.mails=100/d,PRO.logins=10000/h`.
 */
export const teamBudgets = z
  .string()
  .default("")
  .transform((s, ctx) => {
    const overrides: TeamBudgetOverride[] = [];
    const parts = s
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    for (const part of parts) {
      const m = /^([A-Z]+)\.([a-z_]+)=(\d{1,8})\/([hd])$/.exec(part);
      const [plan, budget, limit] = [m?.[1] as PlanName, m?.[2] as TeamBudgetName, Number(m?.[3])];
      const known = PLAN_NAMES.includes(plan) && TEAM_BUDGET_NAMES.includes(budget);
      if (!m || !known || limit < 1 || limit > 10_000_000) {
        ctx.addIssue({
          code: "custom",
          message: `expected PLAN.budget=LIMIT/h or /d (${TEAM_BUDGET_NAMES.join(", ")}; 1..10000000): ${part}`,
        });
        return z.NEVER;
      }
      overrides.push({ plan, budget, span: m[4] === "h" ? "hour" : "day", limit });
    }
    return overrides;
  });
