import { hasPermission } from "../../auth/permission-match";
import { PERMISSIONS } from "../../auth/permissions";
import { mayDo } from "../../http/page-principal";
import { Field, FormAlert } from "../../ui/form";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  GRANT_FIELD,
  GrantCheck,
  grantsOf,
  parseForm,
  type TeamPageProps,
  TeamShell,
  teamSection,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "./api-keys";
import { CreateKey } from "./routes";

const T = TEAM_TEXT.apiKeys;

type Key = Awaited<ReturnType<typeof listApiKeys>>[number];

/** The keys; after a create or a rotation (`extra`), the new key, shown once. */
function ApiKeysPage(props: TeamPageProps<Key[], string>) {
  const { view, data: keys } = props;
  const base = `/teams/${view.team.id}/api-keys`;
  const manage = mayDo(view.principal, view.team.id, "api_keys:manage");
  const errors = errorsOf(props.refusal, "create");
  const values = props.refusal?.form === "create" ? props.refusal.values : {};
  // Only what the member holds is offered: a key never grants more than its creator (the API refuses it).
  const grantable = Object.entries(PERMISSIONS).filter(([p]) => hasPermission(view.principal.permissions, p));
  const scopeError = Object.entries(errors.fields).find(([path]) => path.startsWith("permissions"))?.[1];
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.apiKeys} notice={props.notice}>
      {props.extra ? (
        <div class="card" role="status">
          <p>{T.shownOnce}</p>
          <pre>
            <code id="new-api-key">{props.extra}</code>
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
                <GrantCheck
                  grant={permission}
                  checked={values[`${GRANT_FIELD}${permission}`] === "on"}
                  note={description}
                />
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
      {keys.length === 0 ? <p>{T.none}</p> : null}
      <ul class="list">
        {keys.map((k) => (
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

/** The form's fields as the API's CreateApiKeyRequest (a date is its end of day, UTC). */
function createRequest(form: Record<string, string>) {
  const permissions = grantsOf(form);
  const date = form.expiresAt ?? "";
  return parseForm(CreateKey, {
    name: form.name ?? "",
    permissions,
    expiresAt: date === "" ? null : /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T23:59:59Z` : date,
  });
}

const keyForm = (params: Record<string, string>) => `key-${params.id}`;

/**
 * `/teams/:teamId/api-keys` (`api_keys:read`): the team's keys; with `api_keys:manage`, create (scopes from
 * the member's own permissions, optional expiry), rotate and revoke. A new or rotated key is shown once, in the
 * answer to the POST itself (never in a URL), under `Cache-Control: no-store`. Create and rotate need a recent
 * authentication (step-up).
 */
export function apiKeyPages() {
  return teamSection<Key[], string>({
    path: "/api-keys",
    permission: "api_keys:read",
    notices: { revoked: T.revoked },
    load: (ctx, view) => listApiKeys(ctx, view.team.id),
    Page: ApiKeysPage,
    posts: {
      "": {
        permission: "api_keys:manage",
        form: "create",
        fresh: true,
        act: async ({ ctx, scope, form, show }) =>
          show((await createApiKey(ctx, { ...scope, ...createRequest(form) })).key),
      },
      "/:id/rotate": {
        permission: "api_keys:manage",
        form: keyForm,
        fresh: true,
        act: async ({ ctx, scope, params, show }) =>
          show((await rotateApiKey(ctx, { ...scope, id: params.id ?? "" })).key),
      },
      "/:id/revoke": {
        permission: "api_keys:manage",
        form: keyForm,
        done: "revoked",
        act: ({ ctx, scope, params }) => revokeApiKey(ctx, { ...scope, id: params.id ?? "" }),
      },
    },
  });
}
