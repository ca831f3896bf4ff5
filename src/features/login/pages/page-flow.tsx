import type { Context } from "hono";
import type { AppEnv } from "../../../http/app-env";
import {
  clearDecisionCookie,
  clearPreAuthCookie,
  clearReturnToCookie,
  readCookie,
  setDecisionCookie,
  setPreAuthCookie,
  setReturnToCookie,
} from "../../../http/cookies";
import { AuthError } from "../../../platform/errors";
import { DUMMY_TURNSTILE_TOKEN, passesEveryToken } from "../../../platform/outbound/turnstile";
import { FormAlert } from "../../../ui/form";
import { Layout } from "../../../ui/layout";
import { renderPage } from "../../../ui/render";
import { exchangePreAuth } from "../../sessions/exchange";
import { setSessionCookiesFor } from "../../sessions/routes";
import type { SessionTokens } from "../../sessions/session-tokens";
import { LOGIN_MAX_STEPS } from "../pre-auth";
import type { StepAnswer } from "../step-machine";
import { LOGIN_TEXT } from "./pages.en";
import { safeReturnTo } from "./return-to";

const T = LOGIN_TEXT;

/** Where a signed-in browser lands. */
export const SIGNED_IN_PATH = "/account";

/** The concurrent-session decision lives 5 minutes (sessions/single-session.ts). */
const DECISION_MAX_AGE = 300;

/** The page of each login step. */
export const STEP_PAGES: Partial<Record<string, string>> = {
  password_change: "/login/password",
  mfa_setup: "/login/mfa-setup",
  device_approval: "/login/device",
  login_approval: "/login/approval",
  mfa: "/login/mfa",
  select_team: "/login/team",
};

/** Development with Turnstile's passing test secret: no widget, the dummy token in a hidden field. */
export function turnstileField(c: Context<AppEnv>): string | undefined {
  return passesEveryToken(c.var.config.TURNSTILE_SECRET_KEY) ? DUMMY_TURNSTILE_TOKEN : undefined;
}

/** A login whose pre-auth token is gone or expired starts again at /login. */
export function restart(c: Context<AppEnv>, notice = "expired") {
  clearPreAuthCookie(c);
  return c.redirect(`/login?${notice}=1`, 303);
}

function UnsupportedStepPage(props: { step: string }) {
  return (
    <Layout title={T.login.title} narrow>
      <h1>{T.login.title}</h1>
      <FormAlert errors={{ form: T.login.unsupportedStep(props.step), fields: {} }} />
      <p>
        <a href="/login">{T.approval.restart}</a>
      </p>
    </Layout>
  );
}

/** The origins a `return_to` may lead to: this one and the SaaS front ends of CORS_ORIGINS. */
export function returnOrigins(c: Context<AppEnv>): string[] {
  return [c.var.config.PUBLIC_ORIGIN, ...c.var.config.CORS_ORIGINS];
}

/** A `return_to` remembered by this very request (its cookie only reaches the browser with the answer). */
const returnToOfRequest = new WeakMap<Request, string>();

/** Remembers a checked `return_to` for the end of this login (dropped when it is not allowed). */
export function rememberReturnTo(c: Context<AppEnv>, value: string | undefined): void {
  const target = safeReturnTo(value, returnOrigins(c));
  if (!target) return;
  returnToOfRequest.set(c.req.raw, target);
  setReturnToCookie(c, target, LOGIN_MAX_STEPS * c.var.config.PRE_AUTH_TTL);
}

/**
 * The session of a finished login in cookie mode, then the `return_to` the login started with (checked again),
 * or the signed-in landing page.
 */
export function signedIn(c: Context<AppEnv>, tokens: SessionTokens) {
  clearPreAuthCookie(c);
  clearDecisionCookie(c);
  setSessionCookiesFor(c, tokens);
  const remembered = returnToOfRequest.get(c.req.raw) ?? readCookie(c, "returnTo");
  const target = safeReturnTo(remembered, returnOrigins(c));
  clearReturnToCookie(c);
  return c.redirect(target ?? SIGNED_IN_PATH, 303);
}

/**
 * The session of a login at `select_team` — or, when another session of the user is live (single session),
 * the concurrent-session decision page with its decision token in an HttpOnly cookie.
 */
export async function finishLogin(
  c: Context<AppEnv>,
  input: { preAuthToken: string; deviceHash: string | null; teamId: string | null },
) {
  try {
    return signedIn(c, await exchangePreAuth(c.var.ctx, input));
  } catch (error) {
    const decision = error instanceof AuthError ? error.extra.decisionToken : undefined;
    if (error instanceof AuthError && error.code === "concurrent_session" && typeof decision === "string") {
      clearPreAuthCookie(c);
      setDecisionCookie(c, decision, DECISION_MAX_AGE);
      return c.redirect("/login/concurrent", 303);
    }
    throw error;
  }
}

/**
 * The next page of a login: its step's page (the pre-auth token travels in the `__Host-preauth` cookie), or —
 * at `select_team` with one team or none — the session at once (cookie mode) and the signed-in landing page.
 */
export async function nextStep(c: Context<AppEnv>, answer: StepAnswer, deviceHash: string | null) {
  if (answer.step === "select_team" && (answer.teams?.length ?? 0) <= 1) {
    return finishLogin(c, {
      deviceHash,
      preAuthToken: answer.preAuthToken,
      teamId: answer.teams?.[0]?.id ?? null,
    });
  }
  const page = STEP_PAGES[answer.step];
  if (!page) {
    clearPreAuthCookie(c);
    return renderPage(c, <UnsupportedStepPage step={answer.step} />, 409);
  }
  setPreAuthCookie(c, answer.preAuthToken, answer.expiresIn);
  return c.redirect(page, 303);
}

/**
 * A refused step form: an expired or foreign login starts again, a login at another step goes to that step's
 * page, anything else re-renders the form with the API's status and copy. Server errors propagate.
 */
export function stepRefused(
  c: Context<AppEnv>,
  error: unknown,
  rerender: (error: AuthError) => Promise<Response> | Response,
): Promise<Response> | Response {
  if (!(error instanceof AuthError) || error.status >= 500) throw error;
  if (error.code === "unauthorized") return restart(c);
  const step = error.extra.step;
  if (error.code === "step_required" && typeof step === "string" && STEP_PAGES[step]) {
    return c.redirect(STEP_PAGES[step] as string, 303);
  }
  for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
  return rerender(error);
}
