import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/principal";
import type { AppEnv } from "../../http/app-env";
import { mayDo, pageCsrfToken, pagePost, pagePrincipal } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
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
  parseForm,
  type Refusal,
  TeamShell,
  type TeamView,
  teamAction,
  teamViewOf,
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
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
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

type Member = Awaited<ReturnType<typeof listMembers>>[number];
type RoleChoice = { id: string; name: string };

function MembersPage(props: {
  view: TeamView;
  members: Member[];
  roles: RoleChoice[];
  refusal?: Refusal;
  notice?: string;
}) {
  const { view } = props;
  const base = `/teams/${view.team.id}/members`;
  const canUpdate = mayDo(view.principal, view.team.id, "members:update");
  const canRemove = mayDo(view.principal, view.team.id, "members:remove");
  const assignable = props.roles.filter((r) => r.name !== "Owner");
  return (
    <TeamShell view={view} title={T.team.members} notice={props.notice}>
      <ul class="list">
        {props.members.map((m) => {
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

async function membersPage(
  c: Parameters<typeof teamViewOf>[0],
  view: TeamView,
  opts: { refusal?: Refusal; status?: ContentfulStatusCode; notice?: string } = {},
) {
  const ctx = c.var.ctx;
  const members = await listMembers(ctx, view.team.id);
  // The role select is offered only to a role that may change members' roles.
  const choices = mayDo(view.principal, view.team.id, "members:update")
    ? await listRoles(ctx, { auth: view.principal, teamId: view.team.id })
    : [];
  return renderPage(
    c,
    <MembersPage view={view} members={members} roles={choices} refusal={opts.refusal} notice={opts.notice} />,
    opts.status,
  );
}

const NOTICES: Record<string, string> = { role: T.members.roleChanged, removed: T.members.removed };

/**
 * `/teams` (my teams, create, switch — the switch is session-exchange with the live session: the same cookies
 * as the API's answer) and `/teams/:teamId` (members: change a role, remove). Forms POST and redirect (PRG);
 * actions the signed-in role may not take are not offered, and the POSTs check the same permission as the API.
 */
export function teamPages() {
  return new Hono<AppEnv>()
    .get("/teams", async (c) => {
      const principal = await pagePrincipal(c);
      if (!principal) return c.redirect("/login", 303);
      const teams = await listMyTeams(c.var.ctx, principal);
      const notice = c.req.query("created") === "1" ? T.teams.created : undefined;
      return renderPage(
        c,
        <TeamsPage
          teams={teams}
          principal={principal}
          csrf={pageCsrfToken(c)}
          errors={NO_ERRORS}
          notice={notice}
        />,
      );
    })
    .post("/teams", async (c) => {
      const posted = await pagePost(c);
      if (!posted) return c.redirect("/login", 303);
      const { principal, form } = posted;
      try {
        const input = parseForm(CreateTeam, { name: form.name ?? "", slug: form.slug || undefined });
        await createTeam(c.var.ctx, { auth: principal, ...input });
        return c.redirect("/teams?created=1", 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        const teams = await listMyTeams(c.var.ctx, principal);
        const field = error.code === "slug_taken" ? "slug" : undefined;
        return renderPage(
          c,
          <TeamsPage
            teams={teams}
            principal={principal}
            csrf={pageCsrfToken(c)}
            errors={formErrors(error, field)}
            values={form}
          />,
          error.status,
        );
      }
    })
    .post("/teams/switch", async (c) => {
      const posted = await pagePost(c);
      if (!posted) return c.redirect("/login", 303);
      const teamId = posted.form.teamId ?? "";
      const tokens = await switchTeam(c.var.ctx, { auth: posted.principal, teamId });
      setSessionCookiesFor(c, tokens);
      return c.redirect(`/teams/${encodeURIComponent(teamId)}`, 303);
    })
    .get("/teams/:teamId", async (c) => {
      const view = await teamViewOf(c, c.req.param("teamId"));
      if (view instanceof Response) return view;
      if (!mayDo(view.principal, view.team.id, "members:read")) throw new AuthError("forbidden");
      return membersPage(c, view, { notice: NOTICES[c.req.query("done") ?? ""] });
    })
    .post("/teams/:teamId/members/:userId/role", async (c) => {
      const { teamId, userId } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "members:update",
        formName: `member-${userId}`,
        act: async (principal, form) => {
          const { roleId } = parseForm(ChangeRole, { roleId: form.roleId ?? "" });
          await changeMemberRole(c.var.ctx, { auth: principal, teamId, userId, roleId });
          return `/teams/${teamId}?done=role`;
        },
        rerender: (view, refusal, status) => membersPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/members/:userId/remove", async (c) => {
      const { teamId, userId } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "members:remove",
        formName: `member-${userId}`,
        act: async (principal) => {
          await removeMember(c.var.ctx, { auth: principal, teamId, userId });
          return `/teams/${teamId}?done=removed`;
        },
        rerender: (view, refusal, status) => membersPage(c, view, { refusal, status }),
      });
    });
}
