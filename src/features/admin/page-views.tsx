import { Field, FormAlert, type FormErrors } from "../../ui/form";
import { type Overview, OverviewCards } from "../analytics/overview";
import { riskLabel } from "../login/risk-text";
import { ACTIONS, type Detail, mayTake, type PageAction } from "./page-actions";
import { ADMIN_SECTIONS, AdminCsrf, AdminShell, type AdminView, holdsRole } from "./page-kit";
import { PLATFORM_ROLES } from "./schemas";
import type { AdminUserItem } from "./users-search";

/** The views of the admin users pages (pages.tsx has the routes). */

const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");

export function Landing(props: { view: AdminView; overview: Overview | null }) {
  const offered = ADMIN_SECTIONS.filter((s) => holdsRole(props.view.principal, s.roles));
  return (
    <AdminShell view={props.view} title="Administration">
      <p>Signed in with the platform roles: {props.view.principal.platformRoles.join(", ")}.</p>
      {props.overview ? <OverviewCards overview={props.overview} /> : null}
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

export function UsersPage(props: {
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
      <form class="stack" method="get" action="/admin/users" data-live-search="user-results">
        <FormAlert errors={props.errors} />
        <Field
          name="q"
          label="Email or name starts with"
          type="search"
          value={query.q}
          errors={props.errors}
        />
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
        <Field name="teamId" label="Member of team (id)" value={query.teamId} errors={props.errors} />
        <Field
          name="createdFrom"
          label="Created from (UTC day)"
          type="date"
          value={query.createdFrom}
          errors={props.errors}
        />
        <Field
          name="createdTo"
          label="Created until (UTC day)"
          type="date"
          value={query.createdTo}
          errors={props.errors}
        />
        <button type="submit">Search</button>
      </form>
      <div id="user-results">
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
      </div>
    </AdminShell>
  );
}

export function DetailPage(props: { view: AdminView; user: Detail; notice?: string }) {
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
      <List
        rows={user.loginActivity.map((e) => [
          day(e.at),
          e.outcome,
          e.location ?? e.ip ?? "—",
          riskLabel(e.risk) ? `risk ${riskLabel(e.risk)}` : "",
        ])}
      />
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

export function ConfirmPage(props: {
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
