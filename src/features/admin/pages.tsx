import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/principal";
import type { AppEnv } from "../../http/app-env";
import { fieldErrors } from "../../http/router";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import {
  lockUser,
  resendUserVerification,
  resetUserMfa,
  revokeUserSessions,
  unlockUser,
} from "./account-actions";
import { eraseUser } from "./erasure";
import {
  ADMIN_SECTIONS,
  AdminCsrf,
  AdminShell,
  type AdminView,
  adminAction,
  adminViewOf,
  holdsRole,
} from "./page-kit";
import { setPlatformRoles } from "./platform-roles";
import { ADMIN_ACCESS, type AdminCapability } from "./routes";
import { PLATFORM_ROLES, ReasonBody, SearchQuery, timeBound } from "./schemas";
import { userDetail } from "./user-detail";
import { type AdminUserItem, findUsers } from "./users-search";

/**
 * The users pages of the admin dashboard (../shared/API.md "Pages"): `/admin` (what the role may open),
 * `/admin/users` (a GET search form that works without JavaScript, a table, pages), `/admin/users/:id` (the
 * detail and the actions the role may take, each behind a confirmation page that asks for the reason).
 */

type Detail = Awaited<ReturnType<typeof userDetail>>;

interface PageAction {
  label: string;
  capability: AdminCapability;
  /** Never offered on oneself (the API refuses it). */
  notOnSelf?: boolean;
  reasonOptional?: boolean;
  warning: string;
  offered: (u: Detail) => boolean;
  run: (ctx: RequestContext, input: { actorId: string; userId: string; reason: string }) => Promise<unknown>;
}

const ACTIONS: Record<string, PageAction> = {
  lock: {
    label: "Lock account",
    capability: "lock",
    notOnSelf: true,
    warning: "The user is signed out everywhere at once and cannot sign in until unlocked. They are emailed.",
    offered: (u) => u.status !== "locked",
    run: lockUser,
  },
  unlock: {
    label: "Unlock account",
    capability: "unlock",
    warning: "The user can sign in again. They are emailed.",
    offered: (u) => u.status === "locked",
    run: unlockUser,
  },
  "revoke-sessions": {
    label: "Sign out everywhere",
    capability: "revokeSessions",
    warning: "Every session of the user ends at once. They are emailed.",
    offered: () => true,
    run: revokeUserSessions,
  },
  "reset-2fa": {
    label: "Reset two-factor authentication",
    capability: "resetMfa",
    notOnSelf: true,
    warning:
      "The authenticator and recovery codes stop working; the user sets 2FA up again. They are emailed.",
    offered: (u) => u.mfaEnabled,
    run: resetUserMfa,
  },
  "resend-verification": {
    label: "Resend verification email",
    capability: "resendVerification",
    reasonOptional: true,
    warning: "A fresh verification link is emailed to the address.",
    offered: (u) => !u.emailVerified,
    run: resendUserVerification,
  },
  roles: {
    label: "Change platform roles",
    capability: "roles",
    notOnSelf: true,
    warning: "The user's sessions end; a new role requires two-factor authentication at the next sign-in.",
    offered: () => true,
    run: () => Promise.resolve(),
  },
  erase: {
    label: "Erase user",
    capability: "erase",
    notOnSelf: true,
    warning:
      "Personal data is removed for good; audit entries stay with the user pseudonymised. Teams the user is alone in are deleted.",
    offered: () => true,
    run: eraseUser,
  },
};

function mayTake(principal: Principal, action: PageAction, userId: string): boolean {
  return (
    holdsRole(principal, ADMIN_ACCESS[action.capability]) &&
    !(action.notOnSelf && principal.userId === userId)
  );
}

const DONE: Record<string, string> = {
  lock: "The account is locked.",
  unlock: "The account is unlocked.",
  "revoke-sessions": "Every session ended.",
  "reset-2fa": "Two-factor authentication was reset.",
  "resend-verification": "A verification email is on its way.",
  roles: "Platform roles saved.",
  erased: "The user was erased.",
};

const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");

function Landing(props: { view: AdminView }) {
  const offered = ADMIN_SECTIONS.filter((s) => holdsRole(props.view.principal, s.roles));
  return (
    <AdminShell view={props.view} title="Administration">
      <p>Signed in with the platform roles: {props.view.principal.platformRoles.join(", ")}.</p>
      <ul>
        {offered.map((s) => (
          <li>
            <a href={s.path}>{s.label}</a>
          </li>
        ))}
      </ul>
    </AdminShell>
  );
}

function Select(props: {
  name: string;
  label: string;
  value: string | undefined;
  options: readonly string[];
}) {
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name}>
        <option value="">Any</option>
        {props.options.map((o) => (
          <option value={o} selected={props.value === o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function UsersPage(props: {
  view: AdminView;
  query: Record<string, string>;
  result: { items: AdminUserItem[]; total: number; page: number; pageSize: number } | null;
  errors: FormErrors;
  notice?: string;
}) {
  const { query, result } = props;
  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  const link = (page: number) => `/admin/users?${new URLSearchParams({ ...query, page: String(page) })}`;
  return (
    <AdminShell view={props.view} title="Users" notice={props.notice}>
      <form class="stack" method="get" action="/admin/users">
        <FormAlert errors={props.errors} />
        <Field name="q" label="Email or name starts with" value={query.q} errors={props.errors} />
        <Select
          name="status"
          label="Status"
          value={query.status}
          options={["active", "locked", "unverified"]}
        />
        <Select
          name="platformRole"
          label="Platform role"
          value={query.platformRole}
          options={PLATFORM_ROLES}
        />
        <Select
          name="sort"
          label="Sort by"
          value={query.sort}
          options={["createdAt", "email", "name", "lastLoginAt"]}
        />
        <Select name="order" label="Order" value={query.order} options={["desc", "asc"]} />
        <button type="submit">Search</button>
      </form>
      {result ? (
        <>
          <p role="status">
            {result.total} users · page {result.page} of {pages}
          </p>
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th>Name</th>
                <th>Status</th>
                <th>2FA</th>
                <th>Platform roles</th>
                <th>Created (UTC)</th>
                <th>Last sign-in (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((u) => (
                <tr>
                  <td>
                    <a href={`/admin/users/${encodeURIComponent(u.id)}`}>{u.email}</a>
                  </td>
                  <td>{u.name ?? "—"}</td>
                  <td>{u.status}</td>
                  <td>{u.mfaEnabled ? "on" : "off"}</td>
                  <td>{u.platformRoles.join(", ") || "—"}</td>
                  <td>{day(u.createdAt)}</td>
                  <td>{day(u.lastLoginAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages">
            {result.page > 1 ? <a href={link(result.page - 1)}>Previous page</a> : null}{" "}
            {result.page < pages ? <a href={link(result.page + 1)}>Next page</a> : null}
          </nav>
        </>
      ) : null}
    </AdminShell>
  );
}

function DetailPage(props: { view: AdminView; user: Detail; notice?: string }) {
  const { user, view } = props;
  const offered = Object.entries(ACTIONS).filter(
    ([, a]) => a.offered(user) && mayTake(view.principal, a, user.id),
  );
  return (
    <AdminShell view={view} title="Users" notice={props.notice}>
      <h2>{user.email}</h2>
      <dl>
        <dt>Name</dt>
        <dd>{user.name ?? "—"}</dd>
        <dt>Status</dt>
        <dd>{user.status}</dd>
        <dt>Two-factor authentication</dt>
        <dd>{user.mfaEnabled ? "on" : "off"}</dd>
        <dt>Platform roles</dt>
        <dd>{user.platformRoles.join(", ") || "—"}</dd>
        <dt>Teams</dt>
        <dd>{user.teams.map((t) => `${t.slug} (${t.role})`).join(", ") || "—"}</dd>
        <dt>Created · last sign-in (UTC)</dt>
        <dd>
          {day(user.createdAt)} · {day(user.lastLoginAt)}
        </dd>
      </dl>
      {offered.length > 0 ? (
        <ul class="actions">
          {offered.map(([path, a]) => (
            <li>
              <a href={`/admin/users/${encodeURIComponent(user.id)}/confirm/${path}`}>{a.label}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <h3>Sessions</h3>
      <List rows={user.sessions.map((s) => [s.device, s.location ?? s.ip ?? "—", day(s.lastSeenAt)])} />
      <h3>Trusted devices</h3>
      <List rows={user.trustedDevices.map((d) => [d.name, day(d.lastUsedAt)])} />
      <h3>Login activity</h3>
      <List rows={user.loginActivity.map((e) => [day(e.at), e.outcome, e.location ?? e.ip ?? "—"])} />
      <h3>Audit</h3>
      <List
        rows={user.audit.map((e) => [
          day(e.at),
          e.action,
          e.actor?.email ?? e.actor?.id ?? "—",
          e.reason ?? "",
        ])}
      />
    </AdminShell>
  );
}

function List(props: { rows: string[][] }) {
  if (props.rows.length === 0) return <p class="muted">None.</p>;
  return (
    <table>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            {r.map((cell) => (
              <td>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConfirmPage(props: {
  view: AdminView;
  user: { id: string; email: string; platformRoles: string[] };
  path: string;
  action: PageAction;
  errors: FormErrors;
  values: Record<string, string>;
}) {
  const { action, user } = props;
  return (
    <AdminShell view={props.view} title="Users">
      <h2>
        {action.label}: {user.email}
      </h2>
      <p>{action.warning}</p>
      <form class="stack" method="post" action={`/admin/users/${encodeURIComponent(user.id)}/${props.path}`}>
        <AdminCsrf token={props.view.csrf} />
        <FormAlert errors={props.errors} />
        {props.path === "roles" ? (
          <fieldset>
            <legend>Platform roles</legend>
            {PLATFORM_ROLES.map((r) => (
              <label>
                <input
                  type="checkbox"
                  name={`role:${r}`}
                  value="1"
                  checked={user.platformRoles.includes(r)}
                />{" "}
                {r}
              </label>
            ))}
          </fieldset>
        ) : null}
        <Field
          name="reason"
          label={
            action.reasonOptional
              ? "Reason (optional, kept in the audit log)"
              : "Reason (kept in the audit log)"
          }
          value={props.values.reason}
          required={!action.reasonOptional}
          errors={props.errors}
        />
        <button type="submit">{action.label}</button>
        <a href={`/admin/users/${encodeURIComponent(user.id)}`}>Cancel</a>
      </form>
    </AdminShell>
  );
}

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

function actionOf(path: string): PageAction {
  const action = Object.hasOwn(ACTIONS, path) ? ACTIONS[path] : undefined;
  if (!action) throw new AuthError("not_found");
  return action;
}

export function adminPages() {
  const app = new Hono<AppEnv>();
  app.get("/admin", async (c) => {
    const view = await adminViewOf(c, ["admin", "support", "billing_admin"]);
    if (view instanceof Response) return view;
    return renderPage(c, <Landing view={view} />);
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
