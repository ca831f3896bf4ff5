import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import { mayDo } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors } from "../../ui/form";
import { renderPage } from "../../ui/render";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  isOwnerOf,
  parseForm,
  type Refusal,
  TeamShell,
  type TeamView,
  teamAction,
  teamViewOf,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import {
  type ConnectionStatus,
  connectionStatus,
  connectVirtuozzo,
  disconnectVirtuozzo,
  refreshNow,
} from "./connection";
import { Connect } from "./routes";

const T = TEAM_TEXT.virtuozzo;

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");

function ConnectForm(props: { base: string; csrf: string; kind: "password" | "token"; refusal?: Refusal }) {
  const errors: FormErrors = errorsOf(props.refusal, props.kind);
  const values = props.refusal?.form === props.kind ? props.refusal.values : {};
  const id = (name: string) => `${props.kind}-${name}`;
  return (
    <>
      <h3>{props.kind === "password" ? T.connectTitle : T.tokenTitle}</h3>
      <FormAlert errors={errors} />
      <form class="stack" method="post" action={`${props.base}/connect`} novalidate>
        <Csrf token={props.csrf} />
        <input type="hidden" name="kind" value={props.kind} />
        <Field
          id={id("apiUrl")}
          name="apiUrl"
          type="url"
          label={T.apiUrl}
          value={values.apiUrl}
          required
          errors={errors}
        />
        {props.kind === "password" ? (
          <>
            <Field
              id={id("login")}
              name="login"
              label={T.login}
              value={values.login}
              autocomplete="off"
              required
              errors={errors}
            />
            <Field
              id={id("password")}
              name="password"
              type="password"
              label={T.password}
              autocomplete="off"
              required
              errors={errors}
            />
          </>
        ) : (
          <Field
            id={id("token")}
            name="token"
            type="password"
            label={T.token}
            autocomplete="off"
            required
            errors={errors}
          />
        )}
        <Field
          id={id("ttl")}
          name="sessionTtlSeconds"
          type="number"
          label={T.ttl}
          value={values.sessionTtlSeconds}
          errors={errors}
        />
        <button type="submit">{T.connect}</button>
      </form>
    </>
  );
}

function VirtuozzoPage(props: {
  view: TeamView;
  connection: ConnectionStatus;
  refusal?: Refusal;
  notice?: string;
}) {
  const { view, connection: status } = props;
  const base = `/teams/${view.team.id}/virtuozzo`;
  const owner = isOwnerOf(view);
  const known = status.apiUrl !== null;
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.virtuozzo} notice={props.notice}>
      <p>{T.lead}</p>
      <FormAlert errors={errorsOf(props.refusal, "actions")} />
      <dl>
        <dt>{T.status}</dt>
        <dd>{status.connected ? T.connected : T.notConnected}</dd>
        {known && !status.connected ? <dd class="error">{T.reauth}</dd> : null}
        {known ? (
          <>
            <dt>{T.apiUrl}</dt>
            <dd>
              <code>{status.apiUrl}</code>
            </dd>
            <dt>{T.method}</dt>
            <dd>{status.authKind ? T.methods[status.authKind] : "—"}</dd>
            <dt>{T.account}</dt>
            <dd>{status.groupType ?? "—"}</dd>
            <dt>{T.expires}</dt>
            <dd>{when(status.expiresAt)}</dd>
            <dt>{T.lastRefresh}</dt>
            <dd>{when(status.lastRefreshAt)}</dd>
            {status.lastFailure ? (
              <>
                <dt>{T.lastFailure}</dt>
                <dd>
                  {status.lastFailure} · {when(status.lastFailureAt)}
                </dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      {owner && status.connected ? (
        <ButtonForm action={`${base}/refresh`} csrf={view.csrf} label={T.refresh} secondary />
      ) : null}
      {owner && known ? (
        <ButtonForm action={`${base}/disconnect`} csrf={view.csrf} label={T.disconnect} secondary />
      ) : null}
      {owner ? (
        <>
          <ConnectForm base={base} csrf={view.csrf} kind="password" refusal={props.refusal} />
          <ConnectForm base={base} csrf={view.csrf} kind="token" refusal={props.refusal} />
        </>
      ) : null}
    </TeamShell>
  );
}

async function virtuozzoPage(
  c: Parameters<typeof teamViewOf>[0],
  view: TeamView,
  opts: { refusal?: Refusal; status?: ContentfulStatusCode; notice?: string } = {},
) {
  const connection = await connectionStatus(c.var.ctx, view.team.id);
  return renderPage(
    c,
    <VirtuozzoPage view={view} connection={connection} refusal={opts.refusal} notice={opts.notice} />,
    opts.status,
  );
}

/** The connect form as the API's request (the same schema checks it). */
function connectRequest(form: Record<string, string>) {
  const ttl = (form.sessionTtlSeconds ?? "").trim();
  const secret =
    form.kind === "token"
      ? { token: form.token ?? "" }
      : { login: form.login ?? "", password: form.password ?? "" };
  return parseForm(Connect, {
    apiUrl: form.apiUrl ?? "",
    ...secret,
    ...(ttl === "" ? {} : { sessionTtlSeconds: Number(ttl) }),
  }) as Parameters<typeof connectVirtuozzo>[1];
}

/**
 * `/teams/:teamId/virtuozzo` (the Owner, or `virtuozzo:manage` to read): the connection's state without
 * secrets; the Owner connects (login and password, or a personal access token), refreshes the session key now,
 * or disconnects. The credential fields are never filled back in after a refusal.
 */
export function virtuozzoPages() {
  const action = (name: "refresh" | "disconnect") =>
    async function run(c: Parameters<typeof teamViewOf>[0]) {
      const teamId = c.req.param("teamId") as string;
      return teamAction(c, {
        teamId,
        permission: "virtuozzo:manage",
        formName: "actions",
        act: async (principal) => {
          if (name === "refresh") await refreshNow(c.var.ctx, { auth: principal, teamId });
          else await disconnectVirtuozzo(c.var.ctx, { auth: principal, teamId });
          return `/teams/${teamId}/virtuozzo?done=${name === "refresh" ? "refreshed" : "disconnected"}`;
        },
        rerender: (view, refusal, status) => virtuozzoPage(c, view, { refusal, status }),
      });
    };
  return new Hono<AppEnv>()
    .get("/teams/:teamId/virtuozzo", async (c) => {
      const view = await teamViewOf(c, c.req.param("teamId"));
      if (view instanceof Response) return view;
      if (!mayDo(view.principal, view.team.id, "virtuozzo:manage")) throw new AuthError("forbidden");
      const done = c.req.query("done") as keyof typeof T.done | undefined;
      return virtuozzoPage(c, view, { notice: done ? T.done[done] : undefined });
    })
    .post("/teams/:teamId/virtuozzo/connect", async (c) => {
      const teamId = c.req.param("teamId");
      return teamAction(c, {
        teamId,
        permission: "virtuozzo:manage",
        formName: "password",
        act: async (principal, form) => {
          await connectVirtuozzo(c.var.ctx, { ...connectRequest(form), auth: principal, teamId });
          return `/teams/${teamId}/virtuozzo?done=connected`;
        },
        rerender: async (view, refusal, status) => {
          // The refusal belongs to the form that was sent; the secrets typed are not echoed back.
          const { password: _p, token: _t, ...kept } = refusal.values;
          const form = refusal.values.kind === "token" ? "token" : "password";
          return virtuozzoPage(c, view, { refusal: { ...refusal, form, values: kept }, status });
        },
      });
    })
    .post("/teams/:teamId/virtuozzo/refresh", action("refresh"))
    .post("/teams/:teamId/virtuozzo/disconnect", action("disconnect"));
}
