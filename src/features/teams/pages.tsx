import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/principal";
import type { AppEnv } from "../../http/app-env";
import { mayDo, pageCsrfToken, pagePost, pagePrincipal } from "../../http/page-principal";
import type { RequestContext } from "../../platform/context";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { listRoles } from "../roles/roles";
import { setSessionCookiesFor } from "../sessions/routes";
import { switchTeam } from "../sessions/switch-team";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  type MyTeam,
  Notice,
  pageForm,
  parseForm,
  type TeamPageProps,
  TeamShell,
  type TeamView,
  teamSection,
} from "./page-kit";
import { TEAM_TEXT } from "./pages.en";
import { ChangeRole, CreateTeam } from "./routes";
import { changeMemberRole, createTeam, listMembers, listMyTeams, removeMember } from "./teams";

const T = TEAM_TEXT;

function TeamsPage(props: {
  teams: MyTeam[];
  principal: Principal;
  csrf: string;
  errors: FormErrors;
  values?: Record<string, string>;
  notice?: string;
}) {
  return (
    <Layout title={T.teams.title}>
      <h1>{T.teams.title}</h1>
      <Notice text={props.notice} />
      {props.teams.length === 0 ? <p>{T.teams.none}</p> : null}
      <ul class="list">
        {props.teams.map((team) => (
          <li class="card">
            <p>
              <strong>{team.name}</strong> <span class="muted">({team.slug})</span>
            </p>
            <p class="muted">
              {T.teams.role}: {team.role.name}
            </p>
            {props.principal.team === team.id ? (
              <p>
                <span class="muted">{T.teams.current}</span> ·{" "}
                <a href={`/teams/${team.id}`}>{T.teams.open}</a>
              </p>
            ) : (
              <ButtonForm
                action="/teams/switch"
                csrf={props.csrf}
                label={T.teams.switch}
                fields={{ teamId: team.id }}
                secondary
              />
            )}
          </li>
        ))}
      </ul>
      <h2>{T.teams.createTitle}</h2>
      <FormAlert errors={props.errors} />
      <form class="stack" method="post" action="/teams" novalidate>
        <Csrf token={props.csrf} />
        <Field name="name" label={T.teams.name} value={props.values?.name} required errors={props.errors} />
        <Field
          name="slug"
          label={T.teams.slug}
          value={props.values?.slug}
          hint={T.teams.slugHint}
          errors={props.errors}
        />
        <button type="submit">{T.teams.create}</button>
      </form>
    </Layout>
  );
}

/** A refused form of /teams: the API's copy, what was typed, the API's status. */
type Refused = { errors: FormErrors; values: Record<string, string>; status: ContentfulStatusCode };

type Member = Awaited<ReturnType<typeof listMembers>>[number];
type RoleChoice = { id: string; name: string };

interface MembersData {
  members: Member[];
  /** The roles to choose from (none unless the role may change members' roles). */
  roles: RoleChoice[];
}

async function loadMembers(ctx: RequestContext, view: TeamView): Promise<MembersData> {
  const members = await listMembers(ctx, view.team.id);
  // The role select is offered only to a role that may change members' roles.
  const roles = mayDo(view.principal, view.team.id, "members:update")
    ? await listRoles(ctx, { auth: view.principal, teamId: view.team.id })
    : [];
  return { members, roles };
}

function MembersPage(props: TeamPageProps<MembersData>) {
  const { view, data } = props;
  const base = `/teams/${view.team.id}/members`;
  const canUpdate = mayDo(view.principal, view.team.id, "members:update");
  const canRemove = mayDo(view.principal, view.team.id, "members:remove");
  const assignable = data.roles.filter((r) => r.name !== "Owner");
  return (
    <TeamShell view={view} title={T.team.members} notice={props.notice}>
      <ul class="list">
        {data.members.map((m) => {
          const form = `member-${m.userId}`;
          const errors = errorsOf(props.refusal, form);
          const isOwner = m.role.name === "Owner";
          const self = m.userId === view.principal.userId;
          return (
            <li class="card">
              <p>
                <strong>{m.name ?? m.email}</strong>
                {self ? <span class="muted"> ({T.members.you})</span> : null}
              </p>
              <p class="muted">
                {m.email} · {T.members.role}: {m.role.name}
              </p>
              <FormAlert errors={errors} />
              {isOwner ? <p class="muted">{T.members.owner}</p> : null}
              {!isOwner && !self && canUpdate ? (
                <form class="inline" method="post" action={`${base}/${m.userId}/role`}>
                  <Csrf token={view.csrf} />
                  <label for={`role-${m.userId}`}>{T.members.newRole}</label>
                  <select id={`role-${m.userId}`} name="roleId">
                    {assignable.map((r) => (
                      <option value={r.id} selected={r.id === m.role.id}>
                        {r.name}
                      </option>
                    ))}
                  </select>
                  <button type="submit">{T.members.change}</button>
                </form>
              ) : null}
              {!isOwner && !self && canRemove ? (
                <ButtonForm
                  action={`${base}/${m.userId}/remove`}
                  csrf={view.csrf}
                  label={T.members.remove}
                  secondary
                />
              ) : null}
            </li>
          );
        })}
      </ul>
    </TeamShell>
  );
}

const NOTICES: Record<string, string> = { role: T.members.roleChanged, removed: T.members.removed };

/**
 * `/teams` (my teams, create, switch — the switch is session-exchange with the live session: the same cookies
 * as the API's answer) and `/teams/:teamId` (members: change a role, remove). Forms POST and redirect (PRG);
 * actions the signed-in role may not take are not offered, and the POSTs check the same permission as the API.
 */
export function teamPages() {
  const memberForm = (params: Record<string, string>) => `member-${params.userId}`;
  const teamsPage = async (c: Context<AppEnv>, principal: Principal, refused?: Refused) => {
    const teams = await listMyTeams(c.var.ctx, principal);
    const notice = !refused && c.req.query("created") === "1" ? T.teams.created : undefined;
    return renderPage(
      c,
      <TeamsPage
        teams={teams}
        principal={principal}
        csrf={pageCsrfToken(c)}
        errors={refused?.errors ?? NO_ERRORS}
        values={refused?.values}
        notice={notice}
      />,
      refused?.status,
    );
  };
  const members = teamSection({
    path: "",
    permission: "members:read",
    notices: NOTICES,
    load: loadMembers,
    Page: MembersPage,
    posts: {
      "/members/:userId/role": {
        permission: "members:update",
        form: memberForm,
        done: "role",
        act: ({ ctx, scope, params, form }) => {
          const { roleId } = parseForm(ChangeRole, { roleId: form.roleId ?? "" });
          return changeMemberRole(ctx, { ...scope, userId: params.userId ?? "", roleId });
        },
      },
      "/members/:userId/remove": {
        permission: "members:remove",
        form: memberForm,
        done: "removed",
        act: ({ ctx, scope, params }) => removeMember(ctx, { ...scope, userId: params.userId ?? "" }),
      },
    },
  });
  return new Hono<AppEnv>()
    .get("/teams", async (c) => {
      const principal = await pagePrincipal(c);
      if (!principal) return c.redirect("/login", 303);
      return teamsPage(c, principal);
    })
    .post("/teams", (c) =>
      pageForm(
        c,
        async ({ principal, form }) => {
          const input = parseForm(CreateTeam, { name: form.name ?? "", slug: form.slug || undefined });
          await createTeam(c.var.ctx, { auth: principal, ...input });
          return c.redirect("/teams?created=1", 303);
        },
        (error, { principal, form }) => {
          const field = error.code === "slug_taken" ? "slug" : undefined;
          return teamsPage(c, principal, {
            errors: formErrors(error, field),
            values: form,
            status: error.status,
          });
        },
      ),
    )
    .post("/teams/switch", async (c) => {
      const posted = await pagePost(c);
      if (!posted) return c.redirect("/login", 303);
      const teamId = posted.form.teamId ?? "";
      const tokens = await switchTeam(c.var.ctx, { auth: posted.principal, teamId });
      setSessionCookiesFor(c, tokens);
      return c.redirect(`/teams/${encodeURIComponent(teamId)}`, 303);
    })
    .route("/", members);
}
