import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { TeamParams } from "../../http/schemas";
import { BUDGET_SPANS, TEAM_BUDGET_NAMES } from "./budgets";
import { teamBudgets } from "./usage-view";

const TeamBudgetsSchema = z
  .object({
    teamId: z.string(),
    plan: z.enum(["FREE", "PRO"]),
    budgets: z.array(
      z.object({
        budget: z.enum(TEAM_BUDGET_NAMES),
        window: z.enum(BUDGET_SPANS),
        used: z.number().int(),
        limit: z.number().int(),
        resetsAt: z.string().openapi({ description: "When the current window ends (ISO 8601 UTC)" }),
      }),
    ),
  })
  .openapi("TeamBudgets");

const budgetsRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/teams/{teamId}/budgets",
  tags: ["Admin"],
  summary: "A team's abuse budgets: used, limit and reset of each budget's hourly and daily window",
  ...platformRoute("admin", "support", "billing_admin"),
  request: { params: TeamParams },
  responses: {
    200: json(TeamBudgetsSchema, "The team's budgets under its plan"),
    401: problem("unauthorized"),
    403: problem("forbidden (not a platform admin, support or billing admin)"),
    404: problem("not_found"),
  },
});

export function teamBudgetRoutes() {
  return createRouter().openapi(budgetsRoute, async (c) =>
    c.json(await teamBudgets(c.var.ctx, c.req.valid("param").teamId), 200),
  );
}
