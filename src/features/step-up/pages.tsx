import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import { CSRF_FIELD, pageCsrfToken, pagePost, pagePrincipal } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { type Captcha, CaptchaField, captchaFor } from "../../ui/captcha";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { setSessionCookiesFor } from "../sessions/routes";
import { STEP_UP_TEXT as T } from "./pages.en";
import { type ProofKind, requiredProof, stepUp } from "./step-up";

/*
 * Inline step-up on the pages (no JavaScript): a page action refused with 401 `insufficient_user_authentication`
 * answers the "Confirm it's you" form in place of the page (stepUpPrompt, called by the page kits). The form
 * posts to /account/step-up with the page to return to; success sets the session's new cookies and redirects
 * (303) back there, where the user presses their button again — the original POST is never replayed (its fields
 * may hold a new password), so nothing runs twice or unseen.
 */

export const STEP_UP_PATH = "/account/step-up";
const DEFAULT_RETURN = "/account";

/** A path of this origin to go back to, or the account page: never another origin (open redirect). */
export function returnPath(value: string | undefined): string {
  if (!value || value.length > 512 || !value.startsWith("/") || value.startsWith("//")) return DEFAULT_RETURN;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return DEFAULT_RETURN;
  return value;
}

/** Whether a page action's error is the step-up challenge (then the kit answers stepUpPrompt). */
export function isStepUpChallenge(error: unknown): boolean {
  return error instanceof AuthError && error.code === "insufficient_user_authentication";
}

/** The code form's Turnstile: the widget only once a 2FA lock required it (as the login's second factor). */
function codeCaptcha(c: Context<AppEnv>, required: boolean): Captcha | undefined {
  return captchaFor(c.var.config, { action: "mfa", required, nonce: c.var.secureHeadersNonce });
}

function StepUpPage(props: {
  kind: ProofKind;
  returnTo: string;
  csrf: string;
  errors: FormErrors;
  captcha?: Captcha | undefined;
}) {
  return (
    <Layout title={T.title} narrow>
      <section class="card" aria-labelledby="h-step-up">
        <h1 id="h-step-up">{T.title}</h1>
        <p>{T.why}</p>
        <FormAlert errors={props.errors} />
        <PostForm action={STEP_UP_PATH}>
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <input type="hidden" name="return_to" value={props.returnTo} />
          {props.kind === "code" ? (
            <Field name="code" label={T.code} autocomplete="one-time-code" required errors={props.errors} />
          ) : (
            <Field
              name="password"
              type="password"
              label={T.password}
              autocomplete="current-password"
              required
              errors={props.errors}
            />
          )}
          {props.kind === "code" ? <CaptchaField captcha={props.captcha} /> : null}
          <button type="submit">{T.submit}</button>
        </PostForm>
        <p class="muted">{T.after}</p>
        <p>
          <a href={props.returnTo}>{T.cancel}</a>
        </p>
      </section>
    </Layout>
  );
}

/**
 * The answer of a page action refused by the step-up guard: the form, with the challenge's status and
 * `WWW-Authenticate` header; a code field when the challenge asks for two factors, else the password.
 */
export function stepUpPrompt(c: Context<AppEnv>, error: AuthError, returnTo: string): Promise<Response> {
  for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
  const kind: ProofKind = error.extra.acrValues ? "code" : "password";
  return renderPage(
    c,
    <StepUpPage kind={kind} returnTo={returnPath(returnTo)} csrf={pageCsrfToken(c)} errors={NO_ERRORS} />,
    error.status as ContentfulStatusCode,
  );
}

/** Where a refused proof's copy goes. */
const FIELD_OF: Partial<Record<string, string>> = { invalid_credentials: "password", invalid_code: "code" };

export function stepUpPages() {
  return new Hono<AppEnv>()
    .get(STEP_UP_PATH, async (c) => {
      const principal = await pagePrincipal(c);
      if (!principal) return c.redirect("/login", 303);
      const kind = await requiredProof(c.var.ctx, principal);
      const returnTo = returnPath(c.req.query("return_to"));
      return renderPage(
        c,
        <StepUpPage kind={kind} returnTo={returnTo} csrf={pageCsrfToken(c)} errors={NO_ERRORS} />,
      );
    })
    .post(STEP_UP_PATH, async (c) => {
      const posted = await pagePost(c);
      if (!posted) return c.redirect("/login", 303);
      const { principal, form } = posted;
      const returnTo = returnPath(form.return_to);
      try {
        const tokens = await stepUp(c.var.ctx, {
          auth: principal,
          proof: {
            password: form.password || undefined,
            code: form.code || undefined,
            turnstileToken: form.turnstileToken || undefined,
          },
        });
        setSessionCookiesFor(c, tokens);
        return c.redirect(returnTo, 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        if (error.code === "unauthorized") return c.redirect("/login", 303);
        if (error.code === "csrf_failed") throw error;
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        const kind = isStepUpChallenge(error) ? "code" : await requiredProof(c.var.ctx, principal);
        const field = FIELD_OF[error.code];
        return renderPage(
          c,
          <StepUpPage
            kind={kind}
            returnTo={returnTo}
            csrf={pageCsrfToken(c)}
            errors={formErrors(error, field)}
            captcha={codeCaptcha(c, error.code === "captcha_required" || Boolean(form.turnstileToken))}
          />,
          error.status as ContentfulStatusCode,
        );
      }
    });
}
