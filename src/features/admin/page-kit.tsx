import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { PlatformRole } from "../../auth/guards";
import type { Principal } from "../../auth/principal";
import { assertFreshAuthentication } from "../../auth/step-up";
import type { AppEnv } from "../../http/app-env";
import { CSRF_FIELD, pageCsrfToken, pagePost, pagePrincipal } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { type FormErrors, formErrors } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { isStepUpChallenge, stepUpPrompt } from "../step-up/pages";
import { ADMIN_TEXT } from "./pages.en";

/**
 * The frame of the platform-administration pages (`/admin…`), shared by the admin features' pages (users here;
 * audit, analytics and import in their own folders): who may open what, the navigation (only what the role may
 * open), and the signed-in view every admin page starts from.
 */

/** The admin sections and the platform roles that may open each (../shared/API.md "Admin"). */
export const ADMIN_SECTIONS = [
  { path: "/admin/users", label: ADMIN_TEXT.sections.users, roles: ["admin", "support", "billing_admin"] },
  { path: "/admin/audit", label: ADMIN_TEXT.sections.audit, roles: ["admin", "support"] },
  { path: "/admin/analytics", label: ADMIN_TEXT.sections.analytics, roles: ["admin", "support"] },
  { path: "/admin/import", label: ADMIN_TEXT.sections.import, roles: ["admin"] },
  { path: "/admin/abuse", label: ADMIN_TEXT.sections.abuse, roles: ["admin", "support"] },
] as const satisfies readonly { path: string; label: string; roles: readonly PlatformRole[] }[];

export type AdminSection = (typeof ADMIN_SECTIONS)[number];

/** Whether the principal holds one of `roles`. */
export function holdsRole(principal: Principal, roles: readonly PlatformRole[]): boolean {
  return roles.some((r) => principal.platformRoles.includes(r));
}

/** An admin page's view of the request: the signed-in platform user and the CSRF token of its forms. */
export interface AdminView {
  principal: Principal;
  csrf: string;
}

/**
 * The view of an admin page for a GET: a redirect to /login without a live session, 403 `forbidden` (the API's
 * answer) unless the user holds one of `roles` — the roles of the page's API.
 */
export async function adminViewOf(
  c: Context<AppEnv>,
  roles: readonly PlatformRole[],
): Promise<AdminView | Response> {
  const principal = await pagePrincipal(c);
  if (!principal) return c.redirect("/login?return_to=/admin", 303);
  if (!holdsRole(principal, roles)) throw new AuthError("forbidden", { internal: { reason: "admin page" } });
  return { principal, csrf: pageCsrfToken(c) };
}

/** The hidden CSRF field every admin form carries (pagePost checks it). */
export function AdminCsrf(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** A table's header row: one column heading per label, in order. */
export function TableHead(props: { labels: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.labels.map((label) => (
          <th>{label}</th>
        ))}
      </tr>
    </thead>
  );
}

/** The frame of every admin page: title, the sections the role may open, a notice, the page. */
export function AdminShell(props: { view: AdminView; title: string; notice?: string; children: Child }) {
  const offered = ADMIN_SECTIONS.filter((s) => holdsRole(props.view.principal, s.roles));
  return (
    <Layout title={`${props.title} · ${ADMIN_TEXT.shell.titleSuffix}`}>
      <p>
        <a href="/admin">{ADMIN_TEXT.shell.home}</a>
      </p>
      <nav aria-label={ADMIN_TEXT.shell.nav}>
        <ul class="tabs">
          {offered.map((s) => (
            <li>
              <a href={s.path} aria-current={s.label === props.title ? "page" : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <h1>{props.title}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.children}
    </Layout>
  );
}

/**
 * An admin form POST (PRG): signed in (else /login), same origin and CSRF field (pagePost), holding one of
 * `roles`, then `act`; success redirects to the path it returns, an AuthError below 500 answers `rerender` with
 * the API's status and copy. Every admin action is a write, so each needs a recent two-factor authentication
 * (RFC 9470 step-up, as the API's platformWriteRoute): without one the "Confirm it's you" form answers in place
 * and then returns to `returnTo` (default: /admin).
 */
export async function adminAction(
  c: Context<AppEnv>,
  spec: {
    roles: readonly PlatformRole[];
    /** The page the step-up form returns to. */
    returnTo?: string;
    act: (principal: Principal, form: Record<string, string>) => Promise<string>;
    rerender: (
      view: AdminView,
      refusal: { errors: FormErrors; values: Record<string, string> },
      status: ContentfulStatusCode,
    ) => Promise<Response>;
  },
): Promise<Response> {
  const posted = await pagePost(c);
  if (!posted) return c.redirect("/login", 303);
  const { principal, form } = posted;
  try {
    if (!holdsRole(principal, spec.roles)) throw new AuthError("forbidden");
    await assertFreshAuthentication(c.var.ctx, principal);
    return c.redirect(await spec.act(principal, form), 303);
  } catch (error) {
    if (!(error instanceof AuthError) || error.status >= 500) throw error;
    if (isStepUpChallenge(error)) return stepUpPrompt(c, error, spec.returnTo ?? "/admin");
    const view = { principal, csrf: pageCsrfToken(c) };
    return spec.rerender(
      view,
      { errors: formErrors(error), values: form },
      error.status as ContentfulStatusCode,
    );
  }
}
