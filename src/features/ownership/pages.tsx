import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/principal";
import type { AppEnv } from "../../http/app-env";
import { pageCsrfToken, pagePrincipal } from "../../http/page-principal";
import type { RequestContext } from "../../platform/context";
import { FormAlert, type FormErrors, formErrors, NO_ERRORS } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import {
  AllTeamsLink,
  ButtonForm,
  Csrf,
  errorsOf,
  Notice,
  pageForm,
  SelectField,
  type TeamPageProps,
  TeamShell,
  type TeamView,
  teamSection,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { listMembers } from "../teams/teams";
import { acceptOwnership, cancelTransfer, declineOwnership, proposeTransfer } from "./ownership";
import { pendingTransfer, previewTransfer, type TransferPreview } from "./views";

const O = TEAM_TEXT.ownership;
const X = TEAM_TEXT.transfer;

type Member = Awaited<ReturnType<typeof listMembers>>[number];
type Pending = Awaited<ReturnType<typeof pendingTransfer>>;

interface OwnershipData {
  members: Member[];
  pending: Pending;
}

async function loadOwnership(ctx: RequestContext, view: TeamView): Promise<OwnershipData> {
  const [members, pending] = await Promise.all([
    listMembers(ctx, view.team.id),
    pendingTransfer(ctx, { auth: view.principal, teamId: view.team.id }),
  ]);
  return { members, pending };
}

function OwnershipPage(props: TeamPageProps<OwnershipData>) {
  const { view, data } = props;
  const base = `/teams/${view.team.id}/ownership`;
  const candidates = data.members.filter((m) => m.userId !== view.principal.userId);
  const pending = data.pending;
  const waitingFor = pending && data.members.find((m) => m.userId === pending.toUserId);
  const errors = errorsOf(props.refusal, "propose");
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.ownership} notice={props.notice}>
      <p>{O.lead}</p>
      <FormAlert errors={errorsOf(props.refusal, "cancel")} />
      {pending ? (
        <div class="card">
          <p>
            {O.pending} <strong>{waitingFor?.email ?? pending.toUserId}</strong>
          </p>
          <p class="muted">
            {O.expires}: {pending.expiresAt.slice(0, 10)}
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
          <SelectField
            id="f-toUserId"
            name="toUserId"
            label={O.to}
            options={candidates.map((m) => ({ value: m.userId, label: `${m.email} · ${m.role.name}` }))}
            selected={props.refusal?.values.toUserId}
            error={errors.fields.toUserId}
          />
          <button type="submit">{O.propose}</button>
        </form>
      )}
    </TeamShell>
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
      <Notice text={props.text} />
      <AllTeamsLink />
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
  const app = teamSection({
    path: "/ownership",
    notices: NOTICES,
    load: loadOwnership,
    Page: OwnershipPage,
    posts: {
      "": {
        permission: "team:delete",
        form: "propose",
        done: "proposed",
        fresh: true,
        field: (error) => (error.code === "validation_failed" ? "toUserId" : undefined),
        act: ({ ctx, scope, form }) => proposeTransfer(ctx, { ...scope, toUserId: form.toUserId ?? "" }),
      },
      "/cancel": {
        permission: "team:delete",
        form: "cancel",
        done: "cancelled",
        act: ({ ctx, scope }) => cancelTransfer(ctx, scope),
      },
    },
  });
  for (const decision of ["accept", "decline"] as const) {
    const path = `/ownership-transfer/${decision}`;
    /** The link's page; a refusal of the answer is shown at the API's status. */
    const page = async (
      c: Context<AppEnv>,
      token: string,
      auth: Principal | null,
      refused?: { errors: FormErrors; status: ContentfulStatusCode },
    ) => {
      const preview = await previewTransfer(c.var.ctx, { token, auth });
      return renderPage(
        c,
        <TransferPage
          decision={decision}
          token={token}
          preview={preview}
          csrf={pageCsrfToken(c)}
          errors={refused?.errors ?? NO_ERRORS}
          returnTo={`${path}?token=${encodeURIComponent(token)}`}
        />,
        refused?.status ?? (preview.status === "invalid" ? 400 : 200),
      );
    };
    app.get(path, async (c) => {
      const done = c.req.query("done");
      if (done === "1") return renderPage(c, <Done text={decision === "accept" ? X.accepted : X.declined} />);
      return page(c, c.req.query("token") ?? "", await pagePrincipal(c));
    });
    app.post(path, (c) =>
      pageForm(
        c,
        async ({ principal, form }) => {
          const act = decision === "accept" ? acceptOwnership : declineOwnership;
          await act(c.var.ctx, { auth: principal, token: form.token ?? "" });
          return c.redirect(`${path}?done=1`, 303);
        },
        (error, { principal, form }) =>
          page(c, form.token ?? "", principal, { errors: formErrors(error), status: error.status }),
      ),
    );
  }
  return app;
}
