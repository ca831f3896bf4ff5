import type { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { Child } from "hono/jsx";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Principal } from "../../auth/principal";
import { assertFreshAuthentication } from "../../auth/step-up";
import type { AppEnv } from "../../http/app-env";
import {
  assertTeamPermission,
  CSRF_FIELD,
  mayDo,
  pageCsrfToken,
  pagePost,
  pagePrincipal,
} from "../../http/page-principal";
import { fieldErrors } from "../../http/router";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { type FormErrors, formErrors } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { type SpendBanner, SpendWarning, spendBannerOf } from "../plans/spend-banner";
import { isStepUpChallenge, stepUpPrompt } from "../step-up/pages";
import { TEAM_TEXT } from "./pages.en";
import { listMyTeams } from "./teams";

const T = TEAM_TEXT.team;

export type MyTeam = Awaited<ReturnType<typeof listMyTeams>>[number];

/** A team page's view of the request: who is signed in, the team, and the CSRF token its forms carry. */
export interface TeamView {
  principal: Principal;
  team: MyTeam;
  csrf: string;
  /** This month's spend warning, for members who may read billing (plans/spend-banner.ts). */
  spend?: SpendBanner | null;
}

/** A refused form of a team page: which form (its `name`), the API's copy, and what the user typed. */
export interface Refusal {
  form: string;
  errors: FormErrors;
  values: Record<string, string>;
}

/** The errors of one form of the page (none unless the refusal concerns it). */
export function errorsOf(refusal: Refusal | undefined, form: string): FormErrors {
  return refusal?.form === form ? refusal.errors : { fields: {} };
}

/** A permission checkbox's name: one field per grant (`perm:<grant>`), since a form field keeps its first value. */
export const GRANT_FIELD = "perm:";

/** The grants a form's checkboxes chose (API keys' scopes, a role's permissions). */
export function grantsOf(form: Record<string, string>): string[] {
  return Object.keys(form)
    .filter((name) => name.startsWith(GRANT_FIELD) && form[name] === "on")
    .map((name) => name.slice(GRANT_FIELD.length));
}

/** A grant's checkbox: the grant and what it allows. */
export function GrantCheck(props: { grant: string; checked: boolean; note: string }) {
  return (
    <label class="check">
      <input type="checkbox" name={`${GRANT_FIELD}${props.grant}`} value="on" checked={props.checked} />
      <span>
        <code>{props.grant}</code> <span class="muted">{props.note}</span>
      </span>
    </label>
  );
}

/** The hidden CSRF field every form of a signed-in page carries. */
export function Csrf(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** A one-button form (form-encoded POST, works without JavaScript). */
export function ButtonForm(props: {
  action: string;
  csrf: string;
  label: string;
  fields?: Record<string, string>;
  secondary?: boolean;
}) {
  return (
    <form class="inline" method="post" action={props.action}>
      <Csrf token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.secondary ? "secondary" : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** The way back to the list of one's teams. */
export function AllTeamsLink() {
  return (
    <p>
      <a href="/teams">{T.allTeams}</a>
    </p>
  );
}

/** What a page's last action did (after the PRG redirect), announced to assistive technology. */
export function Notice(props: { text?: string }) {
  return props.text ? (
    <p class="notice" role="status">
      {props.text}
    </p>
  ) : null;
}

/** A labelled select whose API copy stands under it (`<id>-error`), e.g. the role of an invitation. */
export function SelectField(props: {
  id: string;
  name: string;
  label: string;
  options: { value: string; label: string }[];
  selected?: string | null;
  error?: string;
}) {
  const errorId = `${props.id}-error`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        name={props.name}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? errorId : undefined}
      >
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.selected}>
            {o.label}
          </option>
        ))}
      </select>
      {props.error ? (
        <p class="error" id={errorId}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

const SECTIONS = [
  { path: "", label: T.members, permission: "members:read" },
  { path: "/invitations", label: T.invitations, permission: "members:invite" },
  { path: "/roles", label: T.roles, permission: "roles:read" },
  { path: "/api-keys", label: T.apiKeys, permission: "api_keys:read" },
  { path: "/billing", label: T.billing, permission: "billing:read" },
  { path: "/virtuozzo", label: T.virtuozzo, permission: "virtuozzo:manage" },
  { path: "/ownership", label: T.ownership, permission: "team:delete" },
] as const;

/** Whether the signed-in user is the team's Owner (its built-in role; ownership moves only by transfer). */
export function isOwnerOf(view: TeamView): boolean {
  return view.team.role.name === "Owner" && mayDo(view.principal, view.team.id, "team:delete");
}

/** The frame of every team page: the team's name, its sections (those the role may open) and the page. */
export function TeamShell(props: { view: TeamView; title: string; notice?: string; children: Child }) {
  const base = `/teams/${props.view.team.id}`;
  const offered = SECTIONS.filter((s) => mayDo(props.view.principal, props.view.team.id, s.permission));
  return (
    <Layout title={`${props.title} · ${props.view.team.name}`}>
      <AllTeamsLink />
      <h1>{props.view.team.name}</h1>
      <nav aria-label={T.nav}>
        <ul class="tabs">
          {offered.map((s) => (
            <li>
              <a href={`${base}${s.path}`} aria-current={s.label === props.title ? "page" : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.view.spend ? <SpendWarning banner={props.view.spend} base={base} /> : null}
      <h2>{props.title}</h2>
      <Notice text={props.notice} />
      {props.children}
    </Layout>
  );
}

function SwitchFirst(props: { team: MyTeam; csrf: string }) {
  return (
    <Layout title={props.team.name}>
      <AllTeamsLink />
      <h1>{props.team.name}</h1>
      <p>{T.notBound}</p>
      <ButtonForm
        action="/teams/switch"
        csrf={props.csrf}
        label={TEAM_TEXT.teams.switch}
        fields={{ teamId: props.team.id }}
      />
    </Layout>
  );
}

/**
 * The signed-in user's view of `teamId` for a GET: a redirect to /login without a live session, 404 for a team
 * they are not a member of, the switch offer when their session is bound to another team.
 */
export async function teamViewOf(c: Context<AppEnv>, teamId: string): Promise<TeamView | Response> {
  const principal = await pagePrincipal(c);
  if (!principal) return c.redirect("/login", 303);
  const team = (await listMyTeams(c.var.ctx, principal)).find((t) => t.id === teamId);
  if (!team) throw new AuthError("not_found");
  const csrf = pageCsrfToken(c);
  if (principal.team !== teamId) return renderPage(c, <SwitchFirst team={team} csrf={csrf} />);
  const spend = mayDo(principal, teamId, "billing:read") ? await spendBannerOf(c.var.ctx, teamId) : null;
  return { principal, team, csrf, spend };
}

type Posted = { principal: Principal; form: Record<string, string> };

/**
 * A signed-in page's form POST (PRG): signed in (else /login), same origin and CSRF field (pagePost), then `act`;
 * an AuthError below 500 is answered by `refuse` (the page again, with the API's copy at the API's status).
 */
export async function pageForm(
  c: Context<AppEnv>,
  act: (posted: Posted) => Promise<Response>,
  refuse: (error: AuthError, posted: Posted) => Promise<Response>,
): Promise<Response> {
  const posted = await pagePost(c);
  if (!posted) return c.redirect("/login", 303);
  try {
    return await act(posted);
  } catch (error) {
    if (!(error instanceof AuthError) || error.status >= 500) throw error;
    return refuse(error, posted);
  }
}

/**
 * A team page's form POST (PRG): pageForm, bound to the team with `permission` (the API's guard), then `act`;
 * success redirects to `done`, an AuthError below 500 re-renders the page (`rerender`) with the API's status and
 * copy next to the field it concerns. A `fresh` action (RFC 9470 step-up: API keys, ownership) needs a recent
 * authentication; without one the "Confirm it's you" form answers in place and then returns to `returnTo`
 * (default: the team's page).
 */
async function teamAction(
  c: Context<AppEnv>,
  spec: {
    teamId: string;
    permission: string;
    formName: string;
    field?: (error: AuthError) => string | undefined;
    /** A sensitive action: the step-up guard of the API route (auth/step-up.ts). */
    fresh?: boolean;
    /** The page the step-up form returns to. */
    returnTo?: string;
    /** The path to redirect to, or a page to answer with (e.g. a secret shown once, never put in a URL). */
    act: (principal: Principal, form: Record<string, string>) => Promise<string | Response>;
    rerender: (view: TeamView, refusal: Refusal, status: ContentfulStatusCode) => Promise<Response>;
  },
): Promise<Response> {
  return pageForm(
    c,
    async ({ principal, form }) => {
      assertTeamPermission(principal, spec.teamId, spec.permission);
      if (spec.fresh) await assertFreshAuthentication(c.var.ctx, principal);
      const done = await spec.act(principal, form);
      return typeof done === "string" ? c.redirect(done, 303) : done;
    },
    async (error, { form }) => {
      if (isStepUpChallenge(error)) return stepUpPrompt(c, error, spec.returnTo ?? `/teams/${spec.teamId}`);
      const view = await teamViewOf(c, spec.teamId);
      if (view instanceof Response) return view;
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
      const refusal = { form: spec.formName, errors: formErrors(error, spec.field?.(error)), values: form };
      return spec.rerender(view, refusal, error.status as ContentfulStatusCode);
    },
  );
}

/** What a team page shows besides its data: a refusal of one of its forms, or the notice of a done action. */
export interface Shown<E = never> {
  refusal?: Refusal;
  notice?: string;
  /** What only the answer to a POST shows (e.g. a new API key, shown once). */
  extra?: E;
}

/** A team section's page: its view, what its `load` read, and what it shows (plus the section's own, `E`). */
export type TeamPageProps<D, E = never> = { view: TeamView; data: D } & Shown<E>;

/** The request as a section's action sees it: who, the team (`scope`, as the services take it), the form. */
export interface ActInput<E = never> {
  ctx: RequestContext;
  scope: { auth: Principal; teamId: string };
  params: Record<string, string>;
  form: Record<string, string>;
  /** The section's page, for a fresh view, instead of the redirect (e.g. a key shown once, never in a URL). */
  show: (extra: E) => Promise<Response>;
}

/** One form POST of a section, at `/teams/:teamId<section path><key>`. */
export interface TeamPost<E = never> {
  /** The API's permission for the action (checked before `act`). */
  permission: string;
  /** The form a refusal is shown next to (its `name` on the page), from the path's params. */
  form: string | ((params: Record<string, string>) => string);
  /** The notice the PRG redirect asks for: `<section>?done=<done>`. */
  done?: string;
  /** The field an AuthError's copy belongs to, when the API's answer does not say. */
  field?: (error: AuthError) => string | undefined;
  /** A sensitive action: a recent authentication (step-up), whose form returns to the section's page. */
  fresh?: boolean;
  /** The action: one service call; a Response answers instead of the redirect. */
  act: (input: ActInput<E>) => Promise<unknown>;
  /** Which form the refusal concerns and what of the typed values is echoed back (default: as posted). */
  refusal?: (refusal: Refusal) => Refusal;
}

/**
 * A team section's routes: GET `/teams/:teamId<path>` (signed in, a member, `permission` to read, the notice of
 * `?done=`) renders `Page` with what `load` read; each of `posts` is a teamAction that redirects back to the
 * section (PRG) or re-renders it with the API's copy at the API's status.
 */
export function teamSection<D, E = never>(spec: {
  path: string;
  permission?: string;
  notices?: Readonly<Record<string, string>>;
  load: (ctx: RequestContext, view: TeamView) => Promise<D>;
  Page: (props: TeamPageProps<Awaited<D>, E>) => JSX.Element;
  posts: Record<string, TeamPost<E>>;
}): Hono<AppEnv> {
  const { Page } = spec;
  const render = async (
    c: Context<AppEnv>,
    view: TeamView,
    shown: Shown<E>,
    status?: ContentfulStatusCode,
  ) => {
    const data = await spec.load(c.var.ctx, view);
    return renderPage(c, <Page view={view} data={data} {...shown} />, status);
  };
  const app = new Hono<AppEnv>().get(`/teams/:teamId${spec.path}`, async (c) => {
    const view = await teamViewOf(c, c.req.param("teamId"));
    if (view instanceof Response) return view;
    if (spec.permission && !mayDo(view.principal, view.team.id, spec.permission)) {
      throw new AuthError("forbidden");
    }
    const done = c.req.query("done") ?? "";
    const notices = spec.notices ?? {};
    return render(c, view, { notice: Object.hasOwn(notices, done) ? notices[done] : undefined });
  });
  for (const [key, post] of Object.entries(spec.posts)) {
    app.post(`/teams/:teamId${spec.path}${key}`, async (c) => {
      const params = c.req.param() as Record<string, string>;
      const teamId = params.teamId as string;
      const section = `/teams/${teamId}${spec.path}`;
      return teamAction(c, {
        teamId,
        permission: post.permission,
        formName: typeof post.form === "string" ? post.form : post.form(params),
        field: post.field,
        fresh: post.fresh,
        returnTo: section,
        act: async (principal, form) => {
          const show = async (extra: E) => {
            const view = await teamViewOf(c, teamId);
            return view instanceof Response ? view : render(c, view, { extra });
          };
          const scope = { auth: principal, teamId };
          const out = await post.act({ ctx: c.var.ctx, scope, params, form, show });
          if (out instanceof Response) return out;
          return post.done ? `${section}?done=${post.done}` : section;
        },
        rerender: (view, refusal, status) =>
          render(c, view, { refusal: post.refusal?.(refusal) ?? refusal }, status),
      });
    });
  }
  return app;
}

/** A form's fields checked by the API's own schema: its 422 `validation_failed` copy when they do not pass. */
export function parseForm<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw AuthError.validation(fieldErrors(result.error.issues));
  return result.data;
}
