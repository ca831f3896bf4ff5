import { pageCsrfToken, pagePrincipal } from "../../http/page-principal";
import type { RequestContext } from "../../platform/context";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { me } from "../account/account";
import { listRoles } from "../roles/roles";
import {
  AllTeamsLink,
  ButtonForm,
  Csrf,
  errorsOf,
  Notice,
  pageForm,
  parseForm,
  SelectField,
  type TeamPageProps,
  type TeamPost,
  TeamShell,
  type TeamView,
  teamSection,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { acceptInvitation, inviteMember, listInvitations, revokeInvitation } from "./invitations";
import { InviteRequest } from "./routes";

const T = TEAM_TEXT.invitations;

type Invitation = Awaited<ReturnType<typeof listInvitations>>[number];

interface InvitationsData {
  invitations: Invitation[];
  /** The roles an invitation may carry (not Owner: ownership moves only by transfer). */
  roles: { id: string; name: string }[];
}

async function loadInvitations(ctx: RequestContext, view: TeamView): Promise<InvitationsData> {
  const [invitations, roles] = await Promise.all([
    listInvitations(ctx, view.team.id),
    listRoles(ctx, { auth: view.principal, teamId: view.team.id }),
  ]);
  return { invitations, roles: roles.filter((r) => r.name !== "Owner") };
}

function InvitationsPage(props: TeamPageProps<InvitationsData>) {
  const { view, data } = props;
  const base = `/teams/${view.team.id}/invitations`;
  const errors = errorsOf(props.refusal, "invite");
  const values = props.refusal?.form === "invite" ? props.refusal.values : {};
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.invitations} notice={props.notice}>
      <h3>{T.sendTitle}</h3>
      <FormAlert errors={errors} />
      <form class="stack" method="post" action={base} novalidate>
        <Csrf token={view.csrf} />
        <Field name="email" type="email" label={T.email} value={values.email} required errors={errors} />
        <SelectField
          id="f-roleId"
          name="roleId"
          label={T.role}
          options={data.roles.map((r) => ({ value: r.id, label: r.name }))}
          selected={values.roleId}
          error={errors.fields.roleId}
        />
        <button type="submit">{T.send}</button>
      </form>
      <h3>{T.pending}</h3>
      {data.invitations.length === 0 ? <p>{T.none}</p> : null}
      <ul class="list">
        {data.invitations.map((i) => (
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
      {props.notice ? <Notice text={props.notice} /> : <p>{I.lead}</p>}
      <FormAlert errors={props.errors} />
      {props.notice ? (
        <AllTeamsLink />
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
 * Send and resend post the same request: a new invitation for the address and role replaces the pending one.
 * Only the send form has a role select for the API's copy to stand under; a resend's refusal is the row's alert.
 */
function invite(done: "sent" | "resent", form: TeamPost["form"]): TeamPost {
  return {
    permission: "members:invite",
    form,
    done,
    field: (error) => (done === "sent" && error.code === "owner_transfer_required" ? "roleId" : undefined),
    act: ({ ctx, scope, form: f }) =>
      inviteMember(ctx, {
        ...scope,
        ...parseForm(InviteRequest, { email: f.email ?? "", roleId: f.roleId ?? "" }),
      }),
  };
}

/**
 * `/teams/:teamId/invitations` (send, resend — a new invitation for the same address and role, which replaces
 * the pending one — and revoke, with `members:invite`) and `/invite?token=`, the invitation mail's link: opening
 * it decides nothing; a signed-in user accepts with its button (POST), anyone else is offered sign-in or Door B.
 */
export function invitationTeamPages() {
  const invitationForm = (params: Record<string, string>) => `invitation-${params.id}`;
  return teamSection({
    path: "/invitations",
    notices: NOTICES,
    load: loadInvitations,
    Page: InvitationsPage,
    posts: {
      "": invite("sent", "invite"),
      "/:id/resend": invite("resent", invitationForm),
      "/:id/revoke": {
        permission: "members:invite",
        form: invitationForm,
        done: "revoked",
        act: ({ ctx, scope, params }) => revokeInvitation(ctx, { ...scope, id: params.id ?? "" }),
      },
    },
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
    .post("/invite", (c) =>
      pageForm(
        c,
        async ({ principal, form }) => {
          await acceptInvitation(c.var.ctx, { auth: principal, token: form.token ?? "" });
          return c.redirect("/invite?joined=1", 303);
        },
        (error, { form }) =>
          renderPage(
            c,
            <InvitePage token={form.token ?? ""} csrf={pageCsrfToken(c)} errors={formErrors(error)} />,
            error.status,
          ),
      ),
    );
}
