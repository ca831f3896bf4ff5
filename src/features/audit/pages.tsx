import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { fieldErrors } from "../../http/router";
import { AUDIT_ACTIONS } from "../../platform/audit";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { AdminShell, type AdminView, adminViewOf, TableHead } from "../admin/page-kit";
import { type AuditQuery, listAuditLogs } from "./audit-log";
import type { AuditItem } from "./encoders";
import { AUDIT_TEXT as T } from "./pages.en";
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
    <AdminShell view={props.view} title={T.title}>
      <form class="stack" method="get" action="/admin/audit">
        <FormAlert errors={props.errors} />
        <Field name="actor" label={T.filters.actor} value={query.actor} errors={props.errors} />
        <div class="field">
          <label for="f-action">{T.filters.action}</label>
          <select id="f-action" name="action">
            <option value="">{T.filters.any}</option>
            {Object.keys(AUDIT_ACTIONS).map((a) => (
              <option value={a} selected={query.action === a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <Field name="target" label={T.filters.target} value={query.target} errors={props.errors} />
        <Field name="teamId" label={T.filters.teamId} value={query.teamId} errors={props.errors} />
        <Field name="ip" label={T.filters.ip} value={query.ip} errors={props.errors} />
        <Field
          name="from"
          label={T.filters.from}
          value={query.from}
          errors={props.errors}
          hint={T.filters.fromHint}
        />
        <Field name="to" label={T.filters.to} value={query.to} errors={props.errors} />
        <button type="submit">{T.filters.submit}</button>
      </form>
      <p>
        {T.export.lead} <a href={exportLink("csv")}>{T.export.csv}</a> ·{" "}
        <a href={exportLink("jsonl")}>{T.export.jsonl}</a>
      </p>
      {props.items ? <AuditTable items={props.items} /> : null}
      {props.nextCursor ? (
        <nav aria-label={T.pages}>
          <a href={`/admin/audit?${new URLSearchParams({ ...filters, cursor: props.nextCursor })}`}>
            {T.older}
          </a>
        </nav>
      ) : null}
    </AdminShell>
  );
}

function AuditTable(props: { items: AuditItem[] }) {
  if (props.items.length === 0) return <p class="muted">{T.empty}</p>;
  return (
    <table>
      <TableHead labels={Object.values(T.columns)} />
      <tbody>
        {props.items.map((e) => (
          <tr>
            <td>{e.at.replace("T", " ").slice(0, 19)}</td>
            <td>{e.action}</td>
            <td>
              {e.actor ? (
                <a href={`/admin/users/${encodeURIComponent(e.actor.id)}`}>{e.actor.email ?? e.actor.id}</a>
              ) : (
                T.none
              )}
            </td>
            <td>{e.target ? `${e.target.type ?? ""} ${e.target.id}` : T.none}</td>
            <td>{e.teamId ?? T.none}</td>
            <td>{e.ip ?? T.none}</td>
            <td>{e.reason ?? T.none}</td>
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
