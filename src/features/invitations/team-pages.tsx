import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import { pageCsrfToken, pagePost, pagePrincipal } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { me } from "../account/account";
import { listRoles } from "../roles/roles";
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
import { acceptInvitation, inviteMember, listInvitations, revokeInvitation } from "./invitations";
import { InviteRequest } from "./routes";

const T = TEAM_TEXT.invitations;

type Invitation = Awaited<ReturnType<typeof listInvitations>>[number];

function InvitationsPage(props: {
  view: TeamView;
  invitations: Invitation[];
  roles: { id: string; name: string }[];
  refusal?: Refusal;
  notice?: string;
}) {
  const { view } = props;
  const base = `/teams/${view.team.id}/invitations`;
  const errors = errorsOf(props.refusal, "invite");
  const values = props.refusal?.form === "invite" ? props.refusal.values : {};
  const roleError = errors.fields.roleId;
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.invitations} notice={props.notice}>
      <h3>{T.sendTitle}</h3>
      <FormAlert errors={errors} />
      <form class="stack" method="post" action={base} novalidate>
        <Csrf token={view.csrf} />
        <Field name="email" type="email" label={T.email} value={values.email} required errors={errors} />
        <div class="field">
          <label for="f-roleId">{T.role}</label>
          <select
            id="f-roleId"
            name="roleId"
            aria-invalid={roleError ? "true" : undefined}
            aria-describedby={roleError ? "f-roleId-error" : undefined}
          >
            {props.roles.map((r) => (
              <option value={r.id} selected={r.id === values.roleId}>
                {r.name}
              </option>
            ))}
          </select>
          {roleError ? (
            <p class="error" id="f-roleId-error">
              {roleError}
            </p>
          ) : null}
        </div>
        <button type="submit">{T.send}</button>
      </form>
      <h3>{T.pending}</h3>
      {props.invitations.length === 0 ? <p>{T.none}</p> : null}
      <ul class="list">
        {props.invitations.map((i) => (
          <li class="card">
            <p>
              <strong>{i.email}</strong> · {i.role.name}
            </p>
            <p class="muted">
              {T.expires}: {i.expiresAt.slice(0, 10)}
            </p>
            <FormAlert errors={errorsOf(props.refusal, `invitation-${i.id}`)} />
            <ButtonForm
              action={`${base}/${i.id}/resend`}
              csrf={view.csrf}
              label={T.resend}
              fields={{ email: i.email, roleId: i.role.id }}
              secondary
            />
            <ButtonForm action={`${base}/${i.id}/revoke`} csrf={view.csrf} label={T.revoke} secondary />
          </li>
        ))}
      </ul>
    </TeamShell>
  );
}

async function invitationsPage(
  c: Parameters<typeof teamViewOf>[0],
  view: TeamView,
  opts: { refusal?: Refusal; status?: ContentfulStatusCode; notice?: string } = {},
) {
  const ctx = c.var.ctx;
  const [invitations, roles] = await Promise.all([
    listInvitations(ctx, view.team.id),
    listRoles(ctx, { auth: view.principal, teamId: view.team.id }),
  ]);
  const choices = roles.filter((r) => r.name !== "Owner");
  return renderPage(
    c,
    <InvitationsPage
      view={view}
      invitations={invitations}
      roles={choices}
      refusal={opts.refusal}
      notice={opts.notice}
    />,
    opts.status,
  );
}

const NOTICES: Record<string, string> = { sent: T.sent, resent: T.resent, revoked: T.revoked };
const I = TEAM_TEXT.invite;

function InvitePage(props: {
  token: string;
  email?: string;
  csrf: string;
  errors: FormErrors;
  notice?: string;
}) {
  return (
    <Layout title={I.title} narrow>
      <h1>{I.title}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : (
        <p>{I.lead}</p>
      )}
      <FormAlert errors={props.errors} />
      {props.notice ? (
        <p>
          <a href="/teams">{TEAM_TEXT.team.allTeams}</a>
        </p>
      ) : props.email ? (
        <>
          <p class="muted">
            {I.signedInAs} {props.email}
          </p>
          <ButtonForm action="/invite" csrf={props.csrf} label={I.accept} fields={{ token: props.token }} />
        </>
      ) : (
        <>
          <p>{I.notSignedIn}</p>
          <p>
            <a href="/login">{I.signIn}</a>
          </p>
          <p>
            <a href={`/register/invite?token=${encodeURIComponent(props.token)}`}>{I.register}</a>
          </p>
        </>
      )}
    </Layout>
  );
}

/**
 * `/teams/:teamId/invitations` (send, resend — a new invitation for the same address and role, which replaces
 * the pending one — and revoke, with `members:invite`) and `/invite?token=`, the invitation mail's link: opening
 * it decides nothing; a signed-in user accepts with its button (POST), anyone else is offered sign-in or Door B.
 */
export function invitationTeamPages() {
  return new Hono<AppEnv>()
    .get("/teams/:teamId/invitations", async (c) => {
      const view = await teamViewOf(c, c.req.param("teamId"));
      if (view instanceof Response) return view;
      return invitationsPage(c, view, { notice: NOTICES[c.req.query("done") ?? ""] });
    })
    .post("/teams/:teamId/invitations", async (c) => {
      const teamId = c.req.param("teamId");
      return teamAction(c, {
        teamId,
        permission: "members:invite",
        formName: "invite",
        field: (error) => (error.code === "owner_transfer_required" ? "roleId" : undefined),
        act: async (principal, form) => {
          const input = parseForm(InviteRequest, { email: form.email ?? "", roleId: form.roleId ?? "" });
          await inviteMember(c.var.ctx, { auth: principal, teamId, ...input });
          return `/teams/${teamId}/invitations?done=sent`;
        },
        rerender: (view, refusal, status) => invitationsPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/invitations/:id/resend", async (c) => {
      const { teamId, id } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "members:invite",
        formName: `invitation-${id}`,
        act: async (principal, form) => {
          const input = parseForm(InviteRequest, { email: form.email ?? "", roleId: form.roleId ?? "" });
          await inviteMember(c.var.ctx, { auth: principal, teamId, ...input });
          return `/teams/${teamId}/invitations?done=resent`;
        },
        rerender: (view, refusal, status) => invitationsPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/invitations/:id/revoke", async (c) => {
      const { teamId, id } = c.req.param();
      return teamAction(c, {
        teamId,
        permission: "members:invite",
        formName: `invitation-${id}`,
        act: async (principal) => {
          await revokeInvitation(c.var.ctx, { auth: principal, teamId, id });
          return `/teams/${teamId}/invitations?done=revoked`;
        },
        rerender: (view, refusal, status) => invitationsPage(c, view, { refusal, status }),
      });
    })
    .get("/invite", async (c) => {
      const token = c.req.query("token") ?? "";
      if (c.req.query("joined") === "1") {
        return renderPage(c, <InvitePage token="" csrf="" errors={NO_ERRORS} notice={I.accepted} />);
      }
      const principal = await pagePrincipal(c);
      const who = principal ? (await me(c.var.ctx, principal)).user.email : undefined;
      return renderPage(
        c,
        <InvitePage token={token} email={who} csrf={pageCsrfToken(c)} errors={NO_ERRORS} />,
      );
    })
    .post("/invite", async (c) => {
      const posted = await pagePost(c);
      if (!posted) return c.redirect("/login", 303);
      const token = posted.form.token ?? "";
      try {
        await acceptInvitation(c.var.ctx, { auth: posted.principal, token });
        return c.redirect("/invite?joined=1", 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        return renderPage(
          c,
          <InvitePage token={token} csrf={pageCsrfToken(c)} errors={formErrors(error)} />,
          error.status,
        );
      }
    });
}
