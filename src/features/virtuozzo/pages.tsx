import { Field, FormAlert, type FormErrors } from "../../ui/form";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  isOwnerOf,
  parseForm,
  type Refusal,
  type TeamPageProps,
  TeamShell,
  teamSection,
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
  // A credential is never filled back in after a refusal.
  const secret = (name: "password" | "token") => (
    <Field
      id={id(name)}
      name={name}
      type="password"
      label={T[name]}
      autocomplete="off"
      required
      errors={errors}
    />
  );
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
            {secret("password")}
          </>
        ) : (
          secret("token")
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

function VirtuozzoPage(props: TeamPageProps<ConnectionStatus>) {
  const { view, data: status } = props;
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
  return teamSection({
    path: "/virtuozzo",
    permission: "virtuozzo:manage",
    notices: T.done,
    load: (ctx, view) => connectionStatus(ctx, view.team.id),
    Page: VirtuozzoPage,
    posts: {
      "/connect": {
        permission: "virtuozzo:manage",
        form: "password",
        done: "connected",
        act: ({ ctx, scope, form }) => connectVirtuozzo(ctx, { ...connectRequest(form), ...scope }),
        // The refusal belongs to the form that was sent; the secrets typed are not echoed back.
        refusal: (refusal) => {
          const { password: _p, token: _t, ...kept } = refusal.values;
          return { ...refusal, form: refusal.values.kind === "token" ? "token" : "password", values: kept };
        },
      },
      "/refresh": {
        permission: "virtuozzo:manage",
        form: "actions",
        done: "refreshed",
        act: ({ ctx, scope }) => refreshNow(ctx, scope),
      },
      "/disconnect": {
        permission: "virtuozzo:manage",
        form: "actions",
        done: "disconnected",
        act: ({ ctx, scope }) => disconnectVirtuozzo(ctx, scope),
      },
    },
  });
}
