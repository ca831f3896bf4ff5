import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { fieldErrors } from "../../http/router";
import { AUDIT_ACTIONS } from "../../platform/audit";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { AdminShell, type AdminView, adminViewOf } from "../admin/page-kit";
import { type AuditQuery, listAuditLogs } from "./audit-log";
import type { AuditItem } from "./encoders";
import { AuditFilterQuery } from "./routes";

/**
 * `/admin/audit` (admin, support): the audit viewer — a GET filter form that works without JavaScript, the
 * newest 50 entries, a next-page link carrying the keyset cursor, and export links to the API's streamed
 * CSV / JSON Lines with the same filters (a browser GET authenticates with the access cookie).
 */
const ROLES = ["admin", "support"] as const;
const FILTERS = ["actor", "action", "target", "teamId", "ip", "from", "to"] as const;
const PAGE_SIZE = 50;

function AuditPage(props: {
  view: AdminView;
  query: Record<string, string>;
  items: AuditItem[] | null;
  nextCursor: string | null;
  errors: FormErrors;
}) {
  const { query } = props;
  const filters = Object.fromEntries(FILTERS.flatMap((k) => (query[k] ? [[k, query[k]]] : [])));
  const exportLink = (format: string) =>
    `/api/v1/admin/audit-logs/export?${new URLSearchParams({ ...filters, format })}`;
  return (
    <AdminShell view={props.view} title="Audit">
      <form class="stack" method="get" action="/admin/audit">
        <FormAlert errors={props.errors} />
        <Field name="actor" label="Actor (user id)" value={query.actor} errors={props.errors} />
        <div class="field">
          <label for="f-action">Action</label>
          <select id="f-action" name="action">
            <option value="">Any</option>
            {Object.keys(AUDIT_ACTIONS).map((a) => (
              <option value={a} selected={query.action === a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <Field name="target" label="Target id" value={query.target} errors={props.errors} />
        <Field name="teamId" label="Team id" value={query.teamId} errors={props.errors} />
        <Field name="ip" label="IP address" value={query.ip} errors={props.errors} />
        <Field
          name="from"
          label="From (ISO 8601 UTC)"
          value={query.from}
          errors={props.errors}
          hint="e.g. 2026-01-01T00:00:00Z"
        />
        <Field name="to" label="To (ISO 8601 UTC)" value={query.to} errors={props.errors} />
        <button type="submit">Filter</button>
      </form>
      <p>
        Export these entries: <a href={exportLink("csv")}>CSV</a> ·{" "}
        <a href={exportLink("jsonl")}>JSON Lines</a>
      </p>
      {props.items ? <AuditTable items={props.items} /> : null}
      {props.nextCursor ? (
        <nav aria-label="Pages">
          <a href={`/admin/audit?${new URLSearchParams({ ...filters, cursor: props.nextCursor })}`}>
            Older entries
          </a>
        </nav>
      ) : null}
    </AdminShell>
  );
}

function AuditTable(props: { items: AuditItem[] }) {
  if (props.items.length === 0) return <p class="muted">No entries match.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Action</th>
          <th>Actor</th>
          <th>Target</th>
          <th>Team</th>
          <th>IP</th>
          <th>Reason</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((e) => (
          <tr>
            <td>{e.at.replace("T", " ").slice(0, 19)}</td>
            <td>{e.action}</td>
            <td>
              {e.actor ? (
                <a href={`/admin/users/${encodeURIComponent(e.actor.id)}`}>{e.actor.email ?? e.actor.id}</a>
              ) : (
                "—"
              )}
            </td>
            <td>{e.target ? `${e.target.type ?? ""} ${e.target.id}` : "—"}</td>
            <td>{e.teamId ?? "—"}</td>
            <td>{e.ip ?? "—"}</td>
            <td>{e.reason ?? "—"}</td>
            <td>
              <code>{JSON.stringify(e.metadata)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function auditPages() {
  const app = new Hono<AppEnv>();
  app.get("/admin/audit", async (c) => {
    const view = await adminViewOf(c, ROLES);
    if (view instanceof Response) return view;
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
    const parsed = AuditFilterQuery.safeParse(query);
    const render = (
      errors: FormErrors,
      status: 200 | 422,
      page: Awaited<ReturnType<typeof listAuditLogs>> | null,
    ) =>
      renderPage(
        c,
        <AuditPage
          view={view}
          query={query}
          items={page?.items ?? null}
          nextCursor={page?.nextCursor ?? null}
          errors={errors}
        />,
        status,
      );
    if (!parsed.success) {
      const fields = Object.fromEntries(fieldErrors(parsed.error.issues).map((e) => [e.path, e.message]));
      return render({ fields }, 422, null);
    }
    try {
      const page = await listAuditLogs(c.var.ctx, {
        query: parsed.data as AuditQuery,
        limit: PAGE_SIZE,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return render(NO_ERRORS, 200, page);
    } catch (error) {
      if (!(error instanceof AuthError) || error.status !== 422) throw error;
      return render(formErrors(error), 422, null);
    }
  });
  return app;
}
