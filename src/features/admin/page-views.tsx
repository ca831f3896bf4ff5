import { Field, FormAlert, type FormErrors } from "../../ui/form";
import { type Overview, OverviewCards } from "../analytics/overview";
import { riskLabel } from "../login/risk/text";
import { ACTIONS, type Detail, mayTake, type PageAction } from "./page-actions";
import { ADMIN_SECTIONS, AdminCsrf, AdminShell, type AdminView, holdsRole, TableHead } from "./page-kit";
import { ADMIN_TEXT as T } from "./pages.en";
import { PLATFORM_ROLES } from "./schemas";
import type { AdminUserItem } from "./users-search";

/** The views of the admin users pages (pages.tsx has the routes). */

const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : T.none);

/** The search form's choices, in the order they show between the text fields. */
const SEARCH_SELECTS = [
  { name: "status", options: ["active", "locked", "unverified"] },
  { name: "platformRole", options: PLATFORM_ROLES },
  { name: "sort", options: ["createdAt", "email", "name", "lastLoginAt"] },
  { name: "order", options: ["desc", "asc"] },
] as const;
const SEARCH_DAYS = ["createdFrom", "createdTo"] as const;

export function Landing(props: { view: AdminView; overview: Overview | null }) {
  const offered = ADMIN_SECTIONS.filter((s) => holdsRole(props.view.principal, s.roles));
  return (
    <AdminShell view={props.view} title={T.landing.title}>
      <p>{T.landing.roles(props.view.principal.platformRoles.join(", "))}</p>
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
        <option value="">{T.any}</option>
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
    <AdminShell view={props.view} title={T.sections.users} notice={props.notice}>
      <form class="stack" method="get" action="/admin/users" data-live-search="user-results">
        <FormAlert errors={props.errors} />
        <Field name="q" label={T.search.q} type="search" value={query.q} errors={props.errors} />
        {SEARCH_SELECTS.map((f) => (
          <Select name={f.name} label={T.search[f.name]} value={query[f.name]} options={f.options} />
        ))}
        <Field name="teamId" label={T.search.teamId} value={query.teamId} errors={props.errors} />
        {SEARCH_DAYS.map((name) => (
          <Field name={name} label={T.search[name]} type="date" value={query[name]} errors={props.errors} />
        ))}
        <button type="submit">{T.search.submit}</button>
      </form>
      <div id="user-results">
        {result ? (
          <>
            <p role="status">{T.search.summary(result.total, result.page, pages)}</p>
            <table>
              <TableHead labels={Object.values(T.columns)} />
              <tbody>
                {result.items.map((u) => (
                  <tr>
                    <td>
                      <a href={`/admin/users/${encodeURIComponent(u.id)}`}>{u.email}</a>
                    </td>
                    <td>{u.name ?? T.none}</td>
                    <td>{u.status}</td>
                    <td>{u.mfaEnabled ? T.on : T.off}</td>
                    <td>{u.platformRoles.join(", ") || T.none}</td>
                    <td>{day(u.createdAt)}</td>
                    <td>{day(u.lastLoginAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav aria-label={T.search.pages}>
              {result.page > 1 ? <a href={link(result.page - 1)}>{T.search.previous}</a> : null}{" "}
              {result.page < pages ? <a href={link(result.page + 1)}>{T.search.next}</a> : null}
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
    <AdminShell view={view} title={T.sections.users} notice={props.notice}>
      <h2>{user.email}</h2>
      <dl>
        <dt>{T.detail.name}</dt>
        <dd>{user.name ?? T.none}</dd>
        <dt>{T.detail.status}</dt>
        <dd>{user.status}</dd>
        <dt>{T.detail.mfa}</dt>
        <dd>{user.mfaEnabled ? T.on : T.off}</dd>
        <dt>{T.detail.platformRoles}</dt>
        <dd>{user.platformRoles.join(", ") || T.none}</dd>
        <dt>{T.detail.teams}</dt>
        <dd>
          {user.teams.length === 0
            ? T.none
            : user.teams.map((t, i) => (
                <>
                  {i > 0 ? ", " : null}
                  <a href={`/admin/teams/${t.id}/budgets`}>{T.detail.team(t.slug, t.role)}</a>
                </>
              ))}
        </dd>
        <dt>{T.detail.dates}</dt>
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
      <h3>{T.detail.sessions}</h3>
      <List rows={user.sessions.map((s) => [s.device, s.location ?? s.ip ?? T.none, day(s.lastSeenAt)])} />
      <h3>{T.detail.trustedDevices}</h3>
      <List rows={user.trustedDevices.map((d) => [d.name, day(d.lastUsedAt)])} />
      <h3>{T.detail.loginActivity}</h3>
      <List
        rows={user.loginActivity.map((e) => {
          const risk = riskLabel(e.risk);
          return [day(e.at), e.outcome, e.location ?? e.ip ?? T.none, risk ? T.detail.risk(risk) : ""];
        })}
      />
      <h3>{T.detail.audit}</h3>
      <List
        rows={user.audit.map((e) => [
          day(e.at),
          e.action,
          e.actor?.email ?? e.actor?.id ?? T.none,
          e.reason ?? "",
        ])}
      />
    </AdminShell>
  );
}

function List(props: { rows: string[][] }) {
  if (props.rows.length === 0) return <p class="muted">{T.detail.empty}</p>;
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
    <AdminShell view={props.view} title={T.sections.users}>
      <h2>{T.confirm.heading(action.label, user.email)}</h2>
      <p>{action.warning}</p>
      <form class="stack" method="post" action={`/admin/users/${encodeURIComponent(user.id)}/${props.path}`}>
        <AdminCsrf token={props.view.csrf} />
        <FormAlert errors={props.errors} />
        {props.path === "roles" ? (
          <fieldset>
            <legend>{T.confirm.platformRoles}</legend>
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
          label={action.reasonOptional ? T.confirm.reasonOptional : T.confirm.reason}
          value={props.values.reason}
          required={!action.reasonOptional}
          errors={props.errors}
        />
        <button type="submit">{action.label}</button>
        <a href={`/admin/users/${encodeURIComponent(user.id)}`}>{T.confirm.cancel}</a>
      </form>
    </AdminShell>
  );
}
