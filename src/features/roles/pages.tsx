import { hasPermission } from "../../auth/permission-match";
import { PERMISSIONS } from "../../auth/permissions";
import { mayDo } from "../../http/page-principal";
import type { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors } from "../../ui/form";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  GrantCheck,
  grantsOf,
  parseForm,
  SelectField,
  type TeamPageProps,
  TeamShell,
  teamSection,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { createRole, deleteRole, listRoles, updateRole } from "./roles";
import { CreateRole, UpdateRole } from "./routes";

const T = TEAM_TEXT.roles;

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
      {offer("*") ? <GrantCheck grant="*" checked={props.chosen.has("*")} note={T.all} /> : null}
      {GROUPS.map(([resource, actions]) => {
        const wildcard = `${resource}:*`;
        const offered = actions.filter(offer);
        if (offered.length === 0 && !offer(wildcard)) return null;
        return (
          <div class="stack">
            {offer(wildcard) ? (
              <GrantCheck
                grant={wildcard}
                checked={props.chosen.has(wildcard)}
                note={`${T.allOf} ${resource}`}
              />
            ) : null}
            {offered.map((p) => (
              <GrantCheck
                grant={p}
                checked={props.chosen.has(p)}
                note={PERMISSIONS[p as keyof typeof PERMISSIONS]}
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
  const others = props.roles.filter((r) => r.id !== props.except);
  return (
    <SelectField
      id={`${props.id}-inherits`}
      name="inherits"
      label={T.inherits}
      options={[{ value: "", label: T.inheritsNone }, ...others.map((r) => ({ value: r.id, label: r.name }))]}
      selected={props.value}
      error={props.errors.fields.inherits}
    />
  );
}

/** The grants a submitted form chose, and what it typed (for a re-render after a refusal). */
function chosenOf(values: Record<string, string> | undefined, fallback: readonly string[]): Set<string> {
  return new Set(values ? grantsOf(values) : fallback);
}

function RolesPage(props: TeamPageProps<Role[]>) {
  const { view, data: roles } = props;
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

/** The form's fields as the API's role request. */
function roleRequest(form: Record<string, string>) {
  return {
    name: form.name ?? "",
    permissions: [...chosenOf(form, [])],
    inherits: form.inherits ? form.inherits : null,
  };
}

const NOTICES: Record<string, string> = { created: T.created, saved: T.saved, deleted: T.deleted };

/** A role's name is taken: the API's copy goes next to the name field. */
const nameTaken = (error: AuthError) => (error.code === "conflict" ? "name" : undefined);
const roleForm = (params: Record<string, string>) => `role-${params.roleId}`;

/**
 * `/teams/:teamId/roles` (`roles:read`): every role with its grants, parent and effective permissions; with
 * `roles:manage`, the custom-role editor (name, inheritance, grants from the catalogue incl. `resource:*`
 * wildcards), edit and delete. Built-in roles are read-only. The POSTs run the API's own checks.
 */
export function rolePages() {
  return teamSection({
    path: "/roles",
    permission: "roles:read",
    notices: NOTICES,
    load: (ctx, view) => listRoles(ctx, { auth: view.principal, teamId: view.team.id }),
    Page: RolesPage,
    posts: {
      "": {
        permission: "roles:manage",
        form: "create",
        done: "created",
        field: nameTaken,
        act: ({ ctx, scope, form }) =>
          createRole(ctx, { ...scope, ...parseForm(CreateRole, roleRequest(form)) }),
      },
      "/:roleId": {
        permission: "roles:manage",
        form: roleForm,
        done: "saved",
        field: nameTaken,
        act: ({ ctx, scope, params, form }) =>
          updateRole(ctx, {
            ...scope,
            roleId: params.roleId ?? "",
            patch: parseForm(UpdateRole, roleRequest(form)),
          }),
      },
      "/:roleId/delete": {
        permission: "roles:manage",
        form: roleForm,
        done: "deleted",
        act: ({ ctx, scope, params }) => deleteRole(ctx, { ...scope, roleId: params.roleId ?? "" }),
      },
    },
  });
}
