import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { hasPermission } from "../../auth/permission-match";
import { PERMISSIONS } from "../../auth/permissions";
import type { AppEnv } from "../../http/app-env";
import { mayDo } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert } from "../../ui/form";
import { renderPage } from "../../ui/render";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  parseForm,
  type Refusal,
  TeamShell,
  type TeamView,
  teamAction,
  teamViewOf,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "./api-keys";
import { CreateKey } from "./routes";

const T = TEAM_TEXT.apiKeys;

/** Checkbox names: one field per permission (`perm:<permission>`), since a form field keeps its first value. */
const PERM = "perm:";

type Key = Awaited<ReturnType<typeof listApiKeys>>[number];

function ApiKeysPage(props: {
  view: TeamView;
  keys: Key[];
  refusal?: Refusal;
  notice?: string;
  created?: string;
}) {
  const { view } = props;
  const base = `/teams/${view.team.id}/api-keys`;
  const manage = mayDo(view.principal, view.team.id, "api_keys:manage");
  const errors = errorsOf(props.refusal, "create");
  const values = props.refusal?.form === "create" ? props.refusal.values : {};
  // Only what the member holds is offered: a key never grants more than its creator (the API refuses it).
  const grantable = Object.entries(PERMISSIONS).filter(([p]) => hasPermission(view.principal.permissions, p));
  const scopeError = Object.entries(errors.fields).find(([path]) => path.startsWith("permissions"))?.[1];
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.apiKeys} notice={props.notice}>
      {props.created ? (
        <div class="card" role="status">
          <p>{T.shownOnce}</p>
          <pre>
            <code id="new-api-key">{props.created}</code>
          </pre>
        </div>
      ) : null}
      {manage ? (
        <>
          <h3>{T.createTitle}</h3>
          <FormAlert errors={errors} />
          <form class="stack" method="post" action={base} novalidate>
            <Csrf token={view.csrf} />
            <Field name="name" label={T.name} value={values.name} required errors={errors} />
            <fieldset aria-describedby={scopeError ? "f-permissions-error" : undefined}>
              <legend>{T.scopes}</legend>
              {grantable.map(([permission, description]) => (
                <label class="check">
                  <input
                    type="checkbox"
                    name={`${PERM}${permission}`}
                    value="on"
                    checked={values[`${PERM}${permission}`] === "on"}
                  />
                  <span>
                    <code>{permission}</code> <span class="muted">{description}</span>
                  </span>
                </label>
              ))}
              {scopeError ? (
                <p class="error" id="f-permissions-error">
                  {scopeError}
                </p>
              ) : null}
            </fieldset>
            <Field name="expiresAt" type="date" label={T.expires} value={values.expiresAt} errors={errors} />
            <button type="submit">{T.create}</button>
          </form>
        </>
      ) : null}
      <h3>{T.keys}</h3>
      {props.keys.length === 0 ? <p>{T.none}</p> : null}
      <ul class="list">
        {props.keys.map((k) => (
          <li class="card">
            <p>
              <strong>{k.name}</strong> · {T.prefix} <code>{k.prefix}</code>
            </p>
            <p class="muted">{k.permissions.join(", ")}</p>
            <p class="muted">
              {T.expiresAt}: {k.expiresAt?.slice(0, 10) ?? T.never} · {T.lastUsed}:{" "}
              {k.lastUsedAt?.slice(0, 10) ?? T.unused}
            </p>
            <FormAlert errors={errorsOf(props.refusal, `key-${k.id}`)} />
            {manage ? (
              <>
                <ButtonForm action={`${base}/${k.id}/rotate`} csrf={view.csrf} label={T.rotate} secondary />
                <ButtonForm action={`${base}/${k.id}/revoke`} csrf={view.csrf} label={T.revoke} secondary />
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </TeamShell>
  );
}

async function apiKeysPage(
  c: Parameters<typeof teamViewOf>[0],
  view: TeamView,
  opts: { refusal?: Refusal; status?: ContentfulStatusCode; notice?: string; created?: string } = {},
) {
  const keys = await listApiKeys(c.var.ctx, view.team.id);
  return renderPage(c, <ApiKeysPage view={view} keys={keys} {...opts} />, opts.status);
}

/** The form's fields as the API's CreateApiKeyRequest (a date is its end of day, UTC). */
function createRequest(form: Record<string, string>) {
  const permissions = Object.keys(form)
    .filter((name) => name.startsWith(PERM) && form[name] === "on")
    .map((name) => name.slice(PERM.length));
  const date = form.expiresAt ?? "";
  return parseForm(CreateKey, {
    name: form.name ?? "",
    permissions,
    expiresAt: date === "" ? null : /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T23:59:59Z` : date,
  });
}

/**
 * `/teams/:teamId/api-keys` (`api_keys:read`): the team's keys; with `api_keys:manage`, create (scopes from
 * the member's own permissions, optional expiry), rotate and revoke. A new or rotated key is shown once, in the
 * answer to the POST itself (never in a URL), under `Cache-Control: no-store`.
 */
export function apiKeyPages() {
  return new Hono<AppEnv>()
    .get("/teams/:teamId/api-keys", async (c) => {
      const view = await teamViewOf(c, c.req.param("teamId"));
      if (view instanceof Response) return view;
      if (!mayDo(view.principal, view.team.id, "api_keys:read")) throw new AuthError("forbidden");
      return apiKeysPage(c, view, { notice: c.req.query("done") === "revoked" ? T.revoked : undefined });
    })
    .post("/teams/:teamId/api-keys", async (c) => {
      const teamId = c.req.param("teamId");
      return teamAction(c, {
        teamId,
        permission: "api_keys:manage",
        formName: "create",
        fresh: true,
        returnTo: `/teams/${teamId}/api-keys`,
        act: async (principal, form) => {
          const created = await createApiKey(c.var.ctx, { auth: principal, teamId, ...createRequest(form) });
          return showOnce(c, teamId, created.key);
        },
        rerender: (view, refusal, status) => apiKeysPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/api-keys/:id/rotate", async (c) => {
      const { teamId, id } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "api_keys:manage",
        formName: `key-${id}`,
        fresh: true,
        returnTo: `/teams/${teamId}/api-keys`,
        act: async (principal) => {
          return showOnce(c, teamId, (await rotateApiKey(c.var.ctx, { auth: principal, teamId, id })).key);
        },
        rerender: (view, refusal, status) => apiKeysPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/api-keys/:id/revoke", async (c) => {
      const { teamId, id } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "api_keys:manage",
        formName: `key-${id}`,
        act: async (principal) => {
          await revokeApiKey(c.var.ctx, { auth: principal, teamId, id });
          return `/teams/${teamId}/api-keys?done=revoked`;
        },
        rerender: (view, refusal, status) => apiKeysPage(c, view, { refusal, status }),
      });
    });
}

async function showOnce(c: Parameters<typeof teamViewOf>[0], teamId: string, key: string) {
  const view = await teamViewOf(c, teamId);
  if (view instanceof Response) return view;
  return apiKeysPage(c, view, { created: key });
}
