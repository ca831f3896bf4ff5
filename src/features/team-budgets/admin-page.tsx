import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { renderPage } from "../../ui/render";
import { AdminShell, type AdminView, adminViewOf } from "../admin/page-kit";
import { BudgetsPanel } from "./budgets-panel";
import { BUDGETS_TEXT as T } from "./pages.en";
import { type TeamBudgetsView, teamBudgets } from "./usage-view";

/**
 * `/admin/teams/:teamId/budgets` (admin, support, billing admin — the roles of `GET /api/v1/admin/teams/:teamId/
 * budgets`): the team's abuse budgets, used and limit of each window, the same panel its billing page shows.
 * Linked from every team on an admin user page. An unknown team answers the API's 404 page.
 */
const ROLES = ["admin", "support", "billing_admin"] as const;

export function TeamBudgetsAdminPage(props: { view: AdminView; budgets: TeamBudgetsView }) {
  return (
    <AdminShell view={props.view} title={T.admin.title}>
      <p>{T.admin.team(props.budgets.teamId, props.budgets.plan)}</p>
      <BudgetsPanel budgets={props.budgets} />
      <p>
        <a href="/admin/users">{T.admin.back}</a>
      </p>
    </AdminShell>
  );
}

export function teamBudgetAdminPages() {
  const app = new Hono<AppEnv>();
  app.get("/admin/teams/:teamId/budgets", async (c) => {
    const view = await adminViewOf(c, ROLES);
    if (view instanceof Response) return view;
    const budgets = await teamBudgets(c.var.ctx, c.req.param("teamId"));
    return renderPage(c, <TeamBudgetsAdminPage view={view} budgets={budgets} />);
  });
  return app;
}
