import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import { fieldErrors } from "../../http/router";
import { AuthError } from "../../platform/errors";
import { NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { adminOverview } from "../analytics/overview";
import { actionOf, DONE, mayTake } from "./page-actions";
import { adminAction, adminViewOf, holdsRole } from "./page-kit";
import { ConfirmPage, DetailPage, Landing, UsersPage } from "./page-views";
import { setPlatformRoles } from "./platform-roles";
import { ADMIN_ACCESS } from "./routes";

const OVERVIEW_ROLES = ["admin", "support"] as const;

import { PLATFORM_ROLES, ReasonBody, SearchQuery, timeBound } from "./schemas";
import { userDetail } from "./user-detail";
import { findUsers } from "./users-search";

/**
 * The users pages of the admin dashboard (../shared/API.md "Pages"): `/admin` (what the role may open),
 * `/admin/users` (a GET search form that works without JavaScript, a table, pages), `/admin/users/:id` (the
 * detail and the actions the role may take, each behind a confirmation page that asks for the reason).
 */

/** The form's query as strings, and the parsed search (or the 422 copy next to the fields). */
function parseSearch(raw: Record<string, string>) {
  const parsed = SearchQuery.safeParse(raw);
  if (!parsed.success) {
    return { errors: AuthError.validation(fieldErrors(parsed.error.issues)) };
  }
  const { createdFrom, createdTo, ...rest } = parsed.data;
  return {
    search: { ...rest, createdFrom: timeBound(createdFrom, false), createdTo: timeBound(createdTo, true) },
  };
}

export function adminPages() {
  const app = new Hono<AppEnv>();
  app.get("/admin", async (c) => {
    const view = await adminViewOf(c, ["admin", "support", "billing_admin"]);
    if (view instanceof Response) return view;
    // The sign-in overview is analytics: shown to the roles that may read analytics.
    const overview = holdsRole(view.principal, OVERVIEW_ROLES) ? await adminOverview(c.var.ctx) : null;
    return renderPage(c, <Landing view={view} overview={overview} />);
  });
  app.get("/admin/users", async (c) => {
    const view = await adminViewOf(c, ADMIN_ACCESS.readUsers);
    if (view instanceof Response) return view;
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
    const notice = DONE[c.req.query("done") ?? ""];
    delete query.done;
    const parsed = parseSearch(query);
    if (parsed.errors) {
      const errors = { fields: Object.fromEntries(fieldErrorsOf(parsed.errors)) };
      return renderPage(c, <UsersPage view={view} query={query} result={null} errors={errors} />, 422);
    }
    const result = await findUsers(c.var.ctx, parsed.search);
    return renderPage(
      c,
      <UsersPage view={view} query={query} result={result} errors={NO_ERRORS} notice={notice} />,
    );
  });
  app.get("/admin/users/:id", async (c) => {
    const view = await adminViewOf(c, ADMIN_ACCESS.readUsers);
    if (view instanceof Response) return view;
    const user = await userDetail(c.var.ctx, c.req.param("id"));
    return renderPage(c, <DetailPage view={view} user={user} notice={DONE[c.req.query("done") ?? ""]} />);
  });
  app.get("/admin/users/:id/confirm/:action", async (c) => {
    const action = actionOf(c.req.param("action"));
    const view = await adminViewOf(c, ADMIN_ACCESS[action.capability]);
    if (view instanceof Response) return view;
    const user = await userDetail(c.var.ctx, c.req.param("id"));
    if (!mayTake(view.principal, action, user.id)) throw new AuthError("forbidden");
    const page = (
      <ConfirmPage
        view={view}
        user={user}
        path={c.req.param("action")}
        action={action}
        errors={NO_ERRORS}
        values={{}}
      />
    );
    return renderPage(c, page);
  });
  app.post("/admin/users/:id/:action", async (c) => {
    const path = c.req.param("action");
    const action = actionOf(path);
    const userId = c.req.param("id");
    return adminAction(c, {
      roles: ADMIN_ACCESS[action.capability],
      returnTo: `/admin/users/${encodeURIComponent(userId)}/confirm/${path}`,
      act: async (principal, form) => {
        const input = { actorId: principal.userId, userId };
        const reason = form.reason?.trim() ?? "";
        if (!(action.reasonOptional && reason === "")) {
          const checked = ReasonBody.safeParse({ reason });
          if (!checked.success) throw AuthError.validation(fieldErrors(checked.error.issues));
        }
        if (path === "roles") {
          const roles = PLATFORM_ROLES.filter((r) => form[`role:${r}`] === "1");
          await setPlatformRoles(c.var.ctx, { ...input, roles, reason });
        } else {
          await action.run(c.var.ctx, { ...input, reason });
        }
        return path === "erase"
          ? "/admin/users?done=erased"
          : `/admin/users/${encodeURIComponent(userId)}?done=${path}`;
      },
      rerender: async (view, refusal, status: ContentfulStatusCode) => {
        const user = await userDetail(c.var.ctx, userId).catch(() => null);
        if (!user) throw new AuthError("not_found");
        const page = (
          <ConfirmPage
            view={view}
            user={user}
            path={path}
            action={action}
            errors={refusal.errors}
            values={refusal.values}
          />
        );
        return renderPage(c, page, status);
      },
    });
  });
  return app;
}

function fieldErrorsOf(error: AuthError): [string, string][] {
  const listed = (error.extra.errors as { path: string; message: string }[] | undefined) ?? [];
  return listed.map((e) => [e.path, e.message]);
}
