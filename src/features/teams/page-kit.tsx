import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
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
import { AuthError } from "../../platform/errors";
import { type FormErrors, formErrors } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
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
      <p>
        <a href="/teams">{T.allTeams}</a>
      </p>
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
      <h2>{props.title}</h2>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.children}
    </Layout>
  );
}

function SwitchFirst(props: { team: MyTeam; csrf: string }) {
  return (
    <Layout title={props.team.name}>
      <p>
        <a href="/teams">{T.allTeams}</a>
      </p>
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
  return { principal, team, csrf };
}

/**
 * A team page's form POST (PRG): signed in (else /login), same origin and CSRF field (pagePost), bound to the
 * team with `permission` (the API's guard), then `act`; success redirects to `done`, an AuthError below 500
 * re-renders the page (`rerender`) with the API's status and copy next to the field it concerns. A `fresh` action
 * (RFC 9470 step-up: API keys, ownership) needs a recent authentication; without one the "Confirm it's you" form
 * answers in place and then returns to `returnTo` (default: the team's page).
 */
export async function teamAction(
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
  const posted = await pagePost(c);
  if (!posted) return c.redirect("/login", 303);
  const { principal, form } = posted;
  try {
    assertTeamPermission(principal, spec.teamId, spec.permission);
    if (spec.fresh) await assertFreshAuthentication(c.var.ctx, principal);
    const done = await spec.act(principal, form);
    return typeof done === "string" ? c.redirect(done, 303) : done;
  } catch (error) {
    if (!(error instanceof AuthError) || error.status >= 500) throw error;
    if (isStepUpChallenge(error)) return stepUpPrompt(c, error, spec.returnTo ?? `/teams/${spec.teamId}`);
    const view = await teamViewOf(c, spec.teamId);
    if (view instanceof Response) return view;
    for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
    const refusal = { form: spec.formName, errors: formErrors(error, spec.field?.(error)), values: form };
    return spec.rerender(view, refusal, error.status as ContentfulStatusCode);
  }
}

/** A form's fields checked by the API's own schema: its 422 `validation_failed` copy when they do not pass. */
export function parseForm<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw AuthError.validation(fieldErrors(result.error.issues));
  return result.data;
}
