import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { hasPermission } from "../../auth/permission-match";
import { PERMISSIONS } from "../../auth/permissions";
import type { AppEnv } from "../../http/app-env";
import { mayDo } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors } from "../../ui/form";
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
import { createRole, deleteRole, listRoles, updateRole } from "./roles";
import { CreateRole, UpdateRole } from "./routes";

const T = TEAM_TEXT.roles;

/** Checkbox names: one field per grant (`perm:<grant>`), as on the API-key page. */
const PERM = "perm:";

type Role = Awaited<ReturnType<typeof listRoles>>[number];

/** The catalogue grouped by resource: each group offers `resource:*` and its actions; `*` is offered apart. */
const GROUPS = (() => {
  const groups = new Map<string, string[]>();
  for (const permission of Object.keys(PERMISSIONS)) {
    const resource = permission.split(":")[0] as string;
    groups.set(resource, [...(groups.get(resource) ?? []), permission]);
  }
  return [...groups];
})();

function Check(props: { grant: string; checked: boolean; label: string; hint?: string }) {
  return (
    <label class="check">
      <input type="checkbox" name={`${PERM}${props.grant}`} value="on" checked={props.checked} />
      <span>
        <code>{props.grant}</code> <span class="muted">{props.hint ?? props.label}</span>
      </span>
    </label>
  );
}

/**
 * The grants editor: `*`, then per resource `resource:*` and its actions. Only grants the member holds are
 * offered (a role never grants more than its editor: the API refuses it), plus any the role already has.
 */
function GrantsFieldset(props: { held: string[]; chosen: Set<string>; errors: FormErrors; id: string }) {
  const offer = (grant: string) => props.chosen.has(grant) || hasPermission(props.held, grant);
  const error = Object.entries(props.errors.fields).find(([path]) => path.startsWith("permissions"))?.[1];
  return (
    <fieldset aria-describedby={error ? `${props.id}-permissions-error` : undefined}>
      <legend>{T.permissions}</legend>
      {offer("*") ? <Check grant="*" checked={props.chosen.has("*")} label={T.all} /> : null}
      {GROUPS.map(([resource, actions]) => {
        const wildcard = `${resource}:*`;
        const offered = actions.filter(offer);
        if (offered.length === 0 && !offer(wildcard)) return null;
        return (
          <div class="stack">
            {offer(wildcard) ? (
              <Check grant={wildcard} checked={props.chosen.has(wildcard)} label={`${T.allOf} ${resource}`} />
            ) : null}
            {offered.map((p) => (
              <Check
                grant={p}
                checked={props.chosen.has(p)}
                label={p}
                hint={PERMISSIONS[p as keyof typeof PERMISSIONS]}
              />
            ))}
          </div>
        );
      })}
      {error ? (
        <p class="error" id={`${props.id}-permissions-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

function InheritsSelect(props: {
  id: string;
  roles: Role[];
  except?: string;
  value: string | null;
  errors: FormErrors;
}) {
  const error = props.errors.fields.inherits;
  return (
    <div class="field">
      <label for={`${props.id}-inherits`}>{T.inherits}</label>
      <select
        id={`${props.id}-inherits`}
        name="inherits"
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${props.id}-inherits-error` : undefined}
      >
        <option value="">{T.inheritsNone}</option>
        {props.roles
          .filter((r) => r.id !== props.except)
          .map((r) => (
            <option value={r.id} selected={r.id === props.value}>
              {r.name}
            </option>
          ))}
      </select>
      {error ? (
        <p class="error" id={`${props.id}-inherits-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The grants a submitted form chose, and what it typed (for a re-render after a refusal). */
function chosenOf(values: Record<string, string> | undefined, fallback: readonly string[]): Set<string> {
  if (!values) return new Set(fallback);
  return new Set(
    Object.keys(values)
      .filter((k) => k.startsWith(PERM) && values[k] === "on")
      .map((k) => k.slice(PERM.length)),
  );
}

function RolesPage(props: { view: TeamView; roles: Role[]; refusal?: Refusal; notice?: string }) {
  const { view, roles } = props;
  const base = `/teams/${view.team.id}/roles`;
  const manage = mayDo(view.principal, view.team.id, "roles:manage");
  const held = view.principal.permissions;
  const nameOf = (id: string | null) => roles.find((r) => r.id === id)?.name ?? T.inheritsNone;
  const createErrors = errorsOf(props.refusal, "create");
  const createValues = props.refusal?.form === "create" ? props.refusal.values : undefined;
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.roles} notice={props.notice}>
      <ul class="list">
        {roles.map((role) => {
          const form = `role-${role.id}`;
          const errors = errorsOf(props.refusal, form);
          const values = props.refusal?.form === form ? props.refusal.values : undefined;
          return (
            <li class="card">
              <p>
                <strong>{role.name}</strong> ·{" "}
                <span class="muted">{role.builtIn ? T.builtIn : T.custom}</span>
              </p>
              <p class="muted">
                {T.inherits}: {nameOf(role.inherits)}
              </p>
              <p>
                {T.grants}: <code>{role.permissions.join(", ") || T.none}</code>
              </p>
              {role.inherits ? (
                <p class="muted">
                  {T.effective}: {role.effectivePermissions.join(", ") || T.none}
                </p>
              ) : null}
              <FormAlert errors={errors} />
              {manage && !role.builtIn ? (
                <details open={values !== undefined}>
                  <summary>{T.edit}</summary>
                  <form class="stack" method="post" action={`${base}/${role.id}`} novalidate>
                    <Csrf token={view.csrf} />
                    <Field
                      name="name"
                      label={T.name}
                      value={values?.name ?? role.name}
                      required
                      errors={errors}
                      id={`${form}-name`}
                    />
                    <InheritsSelect
                      id={form}
                      roles={roles}
                      except={role.id}
                      value={values ? values.inherits || null : role.inherits}
                      errors={errors}
                    />
                    <GrantsFieldset
                      id={form}
                      held={held}
                      chosen={chosenOf(values, role.permissions)}
                      errors={errors}
                    />
                    <button type="submit">{T.save}</button>
                  </form>
                  <ButtonForm
                    action={`${base}/${role.id}/delete`}
                    csrf={view.csrf}
                    label={T.delete}
                    secondary
                  />
                </details>
              ) : null}
            </li>
          );
        })}
      </ul>
      {manage ? (
        <>
          <h3>{T.createTitle}</h3>
          <FormAlert errors={createErrors} />
          <form class="stack" method="post" action={base} novalidate>
            <Csrf token={view.csrf} />
            <Field name="name" label={T.name} value={createValues?.name} required errors={createErrors} />
            <InheritsSelect
              id="create"
              roles={roles}
              value={createValues?.inherits || null}
              errors={createErrors}
            />
            <GrantsFieldset
              id="create"
              held={held}
              chosen={chosenOf(createValues, [])}
              errors={createErrors}
            />
            <button type="submit">{T.create}</button>
          </form>
        </>
      ) : null}
    </TeamShell>
  );
}

async function rolesPage(
  c: Parameters<typeof teamViewOf>[0],
  view: TeamView,
  opts: { refusal?: Refusal; status?: ContentfulStatusCode; notice?: string } = {},
) {
  const roles = await listRoles(c.var.ctx, { auth: view.principal, teamId: view.team.id });
  return renderPage(c, <RolesPage view={view} roles={roles} {...opts} />, opts.status);
}

/** The form's fields as the API's role request. */
function roleRequest(form: Record<string, string>) {
  return {
    name: form.name ?? "",
    permissions: [...chosenOf(form, [])],
    inherits: form.inherits ? form.inherits : null,
  };
}

const NOTICES: Record<string, string> = { created: T.created, saved: T.saved, deleted: T.deleted };

/**
 * `/teams/:teamId/roles` (`roles:read`): every role with its grants, parent and effective permissions; with
 * `roles:manage`, the custom-role editor (name, inheritance, grants from the catalogue incl. `resource:*`
 * wildcards), edit and delete. Built-in roles are read-only. The POSTs run the API's own checks.
 */
export function rolePages() {
  return new Hono<AppEnv>()
    .get("/teams/:teamId/roles", async (c) => {
      const view = await teamViewOf(c, c.req.param("teamId"));
      if (view instanceof Response) return view;
      if (!mayDo(view.principal, view.team.id, "roles:read")) throw new AuthError("forbidden");
      return rolesPage(c, view, { notice: NOTICES[c.req.query("done") ?? ""] });
    })
    .post("/teams/:teamId/roles", async (c) => {
      const teamId = c.req.param("teamId");
      return teamAction(c, {
        teamId,
        permission: "roles:manage",
        formName: "create",
        field: (error) => (error.code === "conflict" ? "name" : undefined),
        act: async (principal, form) => {
          const input = parseForm(CreateRole, roleRequest(form));
          await createRole(c.var.ctx, { auth: principal, teamId, ...input });
          return `/teams/${teamId}/roles?done=created`;
        },
        rerender: (view, refusal, status) => rolesPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/roles/:roleId", async (c) => {
      const { teamId, roleId } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "roles:manage",
        formName: `role-${roleId}`,
        field: (error) => (error.code === "conflict" ? "name" : undefined),
        act: async (principal, form) => {
          const patch = parseForm(UpdateRole, roleRequest(form));
          await updateRole(c.var.ctx, { auth: principal, teamId, roleId, patch });
          return `/teams/${teamId}/roles?done=saved`;
        },
        rerender: (view, refusal, status) => rolesPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/roles/:roleId/delete", async (c) => {
      const { teamId, roleId } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "roles:manage",
        formName: `role-${roleId}`,
        act: async (principal) => {
          await deleteRole(c.var.ctx, { auth: principal, teamId, roleId });
          return `/teams/${teamId}/roles?done=deleted`;
        },
        rerender: (view, refusal, status) => rolesPage(c, view, { refusal, status }),
      });
    });
}
