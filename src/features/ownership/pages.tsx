import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import { pageCsrfToken, pagePost, pagePrincipal } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  type Refusal,
  TeamShell,
  type TeamView,
  teamAction,
  teamViewOf,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { listMembers } from "../teams/teams";
import { acceptOwnership, cancelTransfer, declineOwnership, proposeTransfer } from "./ownership";
import { pendingTransfer, previewTransfer, type TransferPreview } from "./views";

const O = TEAM_TEXT.ownership;
const X = TEAM_TEXT.transfer;

type Member = Awaited<ReturnType<typeof listMembers>>[number];
type Pending = Awaited<ReturnType<typeof pendingTransfer>>;

function OwnershipPage(props: {
  view: TeamView;
  members: Member[];
  pending: Pending;
  refusal?: Refusal;
  notice?: string;
}) {
  const { view } = props;
  const base = `/teams/${view.team.id}/ownership`;
  const candidates = props.members.filter((m) => m.userId !== view.principal.userId);
  const waitingFor = props.pending && props.members.find((m) => m.userId === props.pending?.toUserId);
  const errors = errorsOf(props.refusal, "propose");
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.ownership} notice={props.notice}>
      <p>{O.lead}</p>
      <FormAlert errors={errorsOf(props.refusal, "cancel")} />
      {props.pending ? (
        <div class="card">
          <p>
            {O.pending} <strong>{waitingFor?.email ?? props.pending.toUserId}</strong>
          </p>
          <p class="muted">
            {O.expires}: {props.pending.expiresAt.slice(0, 10)}
          </p>
          <ButtonForm action={`${base}/cancel`} csrf={view.csrf} label={O.cancel} secondary />
        </div>
      ) : null}
      <h3>{O.proposeTitle}</h3>
      {candidates.length === 0 ? (
        <p>{O.noCandidates}</p>
      ) : (
        <form class="stack" method="post" action={base} novalidate>
          <Csrf token={view.csrf} />
          <FormAlert errors={errors} />
          <div class="field">
            <label for="f-toUserId">{O.to}</label>
            <select
              id="f-toUserId"
              name="toUserId"
              aria-invalid={errors.fields.toUserId ? "true" : undefined}
              aria-describedby={errors.fields.toUserId ? "f-toUserId-error" : undefined}
            >
              {candidates.map((m) => (
                <option value={m.userId} selected={m.userId === props.refusal?.values.toUserId}>
                  {m.email} · {m.role.name}
                </option>
              ))}
            </select>
            {errors.fields.toUserId ? (
              <p class="error" id="f-toUserId-error">
                {errors.fields.toUserId}
              </p>
            ) : null}
          </div>
          <button type="submit">{O.propose}</button>
        </form>
      )}
    </TeamShell>
  );
}

async function ownershipPage(
  c: Parameters<typeof teamViewOf>[0],
  view: TeamView,
  opts: { refusal?: Refusal; status?: ContentfulStatusCode; notice?: string } = {},
) {
  const ctx = c.var.ctx;
  const [members, pending] = await Promise.all([
    listMembers(ctx, view.team.id),
    pendingTransfer(ctx, { auth: view.principal, teamId: view.team.id }),
  ]);
  return renderPage(
    c,
    <OwnershipPage
      view={view}
      members={members}
      pending={pending}
      refusal={opts.refusal}
      notice={opts.notice}
    />,
    opts.status,
  );
}

type Decision = "accept" | "decline";

/** The mailed link's page: what the proposal is, and the two answers as buttons (GET decides nothing). */
function TransferPage(props: {
  decision: Decision;
  token: string;
  preview: TransferPreview;
  csrf: string;
  errors: FormErrors;
  returnTo: string;
}) {
  const { preview } = props;
  const answer = (decision: Decision, secondary: boolean) => (
    <ButtonForm
      action={`/ownership-transfer/${decision}`}
      csrf={props.csrf}
      label={decision === "accept" ? X.accept : X.decline}
      fields={{ token: props.token }}
      secondary={secondary}
    />
  );
  return (
    <Layout title={X.title} narrow>
      <h1>{X.title}</h1>
      <FormAlert errors={props.errors} />
      {preview.status === "invalid" ? (
        <p class="error">{X.invalid}</p>
      ) : (
        <>
          <p>{X.lead}</p>
          <dl>
            <dt>{X.team}</dt>
            <dd>{preview.teamName}</dd>
            <dt>{X.expires}</dt>
            <dd>{preview.expiresAt.slice(0, 10)}</dd>
          </dl>
          {preview.forSignedInUser === null ? (
            <>
              <p>{X.notSignedIn}</p>
              <p>
                <a href={`/login?return_to=${encodeURIComponent(props.returnTo)}`}>{X.signIn}</a>
              </p>
            </>
          ) : preview.forSignedInUser ? (
            <div class="actions">
              {answer(props.decision, false)}
              {answer(props.decision === "accept" ? "decline" : "accept", true)}
            </div>
          ) : (
            <p>{X.otherAccount}</p>
          )}
        </>
      )}
    </Layout>
  );
}

function Done(props: { text: string }) {
  return (
    <Layout title={X.title} narrow>
      <h1>{X.title}</h1>
      <p class="notice" role="status">
        {props.text}
      </p>
      <p>
        <a href="/teams">{TEAM_TEXT.team.allTeams}</a>
      </p>
    </Layout>
  );
}

const NOTICES: Record<string, string> = { proposed: O.proposed, cancelled: O.cancelled };

/**
 * `/teams/:teamId/ownership` (the Owner proposes a member or cancels the pending proposal) and the mailed links
 * `/ownership-transfer/accept|decline?token=`: opening one shows the team and both answers and decides nothing
 * (mail scanners open links); the addressee, signed in, answers with a button (POST). Not signed in: sign in,
 * and `return_to` brings the browser back to the link.
 */
export function ownershipPages() {
  const app = new Hono<AppEnv>()
    .get("/teams/:teamId/ownership", async (c) => {
      const view = await teamViewOf(c, c.req.param("teamId"));
      if (view instanceof Response) return view;
      return ownershipPage(c, view, { notice: NOTICES[c.req.query("done") ?? ""] });
    })
    .post("/teams/:teamId/ownership", async (c) => {
      const teamId = c.req.param("teamId");
      return teamAction(c, {
        teamId,
        permission: "team:delete",
        formName: "propose",
        fresh: true,
        returnTo: `/teams/${teamId}/ownership`,
        field: (error) => (error.code === "validation_failed" ? "toUserId" : undefined),
        act: async (principal, form) => {
          await proposeTransfer(c.var.ctx, { auth: principal, teamId, toUserId: form.toUserId ?? "" });
          return `/teams/${teamId}/ownership?done=proposed`;
        },
        rerender: (view, refusal, status) => ownershipPage(c, view, { refusal, status }),
      });
    })
    .post("/teams/:teamId/ownership/cancel", async (c) => {
      const teamId = c.req.param("teamId");
      return teamAction(c, {
        teamId,
        permission: "team:delete",
        formName: "cancel",
        act: async (principal) => {
          await cancelTransfer(c.var.ctx, { auth: principal, teamId });
          return `/teams/${teamId}/ownership?done=cancelled`;
        },
        rerender: (view, refusal, status) => ownershipPage(c, view, { refusal, status }),
      });
    });
  for (const decision of ["accept", "decline"] as const) {
    const path = `/ownership-transfer/${decision}`;
    app.get(path, async (c) => {
      const done = c.req.query("done");
      if (done === "1") return renderPage(c, <Done text={decision === "accept" ? X.accepted : X.declined} />);
      const token = c.req.query("token") ?? "";
      const auth = await pagePrincipal(c);
      const preview = await previewTransfer(c.var.ctx, { token, auth });
      return renderPage(
        c,
        <TransferPage
          decision={decision}
          token={token}
          preview={preview}
          csrf={pageCsrfToken(c)}
          errors={NO_ERRORS}
          returnTo={`${path}?token=${encodeURIComponent(token)}`}
        />,
        preview.status === "invalid" ? 400 : 200,
      );
    });
    app.post(path, async (c) => {
      const posted = await pagePost(c);
      if (!posted) return c.redirect("/login", 303);
      const token = posted.form.token ?? "";
      try {
        const act = decision === "accept" ? acceptOwnership : declineOwnership;
        await act(c.var.ctx, { auth: posted.principal, token });
        return c.redirect(`${path}?done=1`, 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        const preview = await previewTransfer(c.var.ctx, { token, auth: posted.principal });
        return renderPage(
          c,
          <TransferPage
            decision={decision}
            token={token}
            preview={preview}
            csrf={pageCsrfToken(c)}
            errors={formErrors(error)}
            returnTo={`${path}?token=${encodeURIComponent(token)}`}
          />,
          error.status as ContentfulStatusCode,
        );
      }
    });
  }
  return app;
}
