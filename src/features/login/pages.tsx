import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { clearPreAuthCookie, readCookie, setPreAuthCookie } from "../../http/cookies";
import { ensureDevice, presentedDevice } from "../../http/device";
import { readForm } from "../../http/form";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { DUMMY_TURNSTILE_TOKEN, passesEveryToken } from "../../platform/turnstile";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { exchangePreAuth } from "../sessions/exchange";
import { setSessionCookiesFor } from "../sessions/routes";
import { LOGIN_TEXT } from "./pages.en";
import { passwordLogin } from "./password-step";
import type { StepAnswer, TeamChoice } from "./step-machine";
import { loginTeamChoices } from "./team-choices";

const T = LOGIN_TEXT;

/** Where a signed-in browser lands. */
export const SIGNED_IN_PATH = "/account";

/** The page of each login step these pages offer. */
const STEP_PAGES: Partial<Record<StepAnswer["step"], string>> = { select_team: "/login/team" };

function LoginPage(props: { email?: string; errors: FormErrors; notice?: string; turnstile?: string }) {
  return (
    <Layout title={T.login.title} narrow>
      <h1>{T.login.title}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <FormAlert errors={props.errors} />
      <PostForm action="/login">
        <Field
          name="email"
          type="email"
          label={T.login.email}
          value={props.email}
          autocomplete="username"
          required
          errors={props.errors}
        />
        <Field
          name="password"
          type="password"
          label={T.login.password}
          autocomplete="current-password"
          required
          errors={props.errors}
        />
        <div class="check">
          <input id="f-rememberMe" type="checkbox" name="rememberMe" value="true" />
          <label for="f-rememberMe">{T.login.rememberMe}</label>
        </div>
        {props.turnstile ? <input type="hidden" name="turnstileToken" value={props.turnstile} /> : null}
        <button type="submit">{T.login.submit}</button>
      </PostForm>
      <p>
        <a href="/forgot-password">{T.login.forgot}</a>
      </p>
      <p>
        <a href="/register">{T.login.register}</a>
      </p>
    </Layout>
  );
}

function TeamPage(props: { teams: TeamChoice[]; errors: FormErrors }) {
  return (
    <Layout title={T.team.title} narrow>
      <h1>{T.team.title}</h1>
      <p>{T.team.lead}</p>
      <FormAlert errors={props.errors} />
      <PostForm action="/login/team">
        <fieldset>
          <legend>{T.team.legend}</legend>
          {props.teams.map((team, i) => (
            <div class="check">
              <input type="radio" id={`team-${team.id}`} name="teamId" value={team.id} checked={i === 0} />
              <label for={`team-${team.id}`}>
                {team.name} <span class="muted">{T.team.role(team.role)}</span>
              </label>
            </div>
          ))}
        </fieldset>
        <button type="submit">{T.team.submit}</button>
      </PostForm>
    </Layout>
  );
}

/** Development with Turnstile's passing test secret: no widget, the dummy token in a hidden field. */
function turnstileField(c: Context<AppEnv>): string | undefined {
  return passesEveryToken(c.var.config.TURNSTILE_SECRET_KEY) ? DUMMY_TURNSTILE_TOKEN : undefined;
}

function loginNotice(c: Context<AppEnv>): string | undefined {
  if (c.req.query("verified") === "1") return T.login.verified;
  if (c.req.query("reset") === "1") return T.login.reset;
  if (c.req.query("expired") === "1") return T.login.expired;
  return undefined;
}

/**
 * The next page of a login: its step's page (the pre-auth token travels in the `__Host-preauth` cookie), or —
 * at `select_team` with one team or none — the session at once (cookie mode) and the signed-in landing page.
 */
async function nextStep(c: Context<AppEnv>, answer: StepAnswer, deviceHash: string) {
  if (answer.step === "select_team" && (answer.teams?.length ?? 0) <= 1) {
    const tokens = await exchangePreAuth(c.var.ctx, {
      deviceHash,
      preAuthToken: answer.preAuthToken,
      teamId: answer.teams?.[0]?.id ?? null,
    });
    clearPreAuthCookie(c);
    setSessionCookiesFor(c, tokens);
    return c.redirect(SIGNED_IN_PATH, 303);
  }
  const page = STEP_PAGES[answer.step];
  if (!page) {
    clearPreAuthCookie(c);
    return renderPage(
      c,
      <LoginPage errors={{ form: T.login.unsupportedStep(answer.step), fields: {} }} />,
      409,
    );
  }
  setPreAuthCookie(c, answer.preAuthToken, answer.expiresIn);
  return c.redirect(page, 303);
}

/** A login whose pre-auth token is gone or expired starts again at /login. */
function restart(c: Context<AppEnv>) {
  clearPreAuthCookie(c);
  return c.redirect("/login?expired=1", 303);
}

/** The login pages: `/login` (email, password, remember me) and `/login/team` (the team picker). */
export function loginPages() {
  return new Hono<AppEnv>()
    .get("/login", (c) =>
      renderPage(c, <LoginPage errors={NO_ERRORS} notice={loginNotice(c)} turnstile={turnstileField(c)} />),
    )
    .post("/login", async (c) => {
      const form = await readForm(c);
      const email = form.email ?? "";
      const show = (errors: FormErrors, status: 400 | 401 | 403 | 429) =>
        renderPage(c, <LoginPage email={email} errors={errors} turnstile={turnstileField(c)} />, status);
      try {
        // A malformed address cannot be an account: answered like one that does not exist (as the API does).
        if (!isValidEmail(normalizeEmail(email))) throw new AuthError("invalid_credentials");
        const device = await ensureDevice(c, c.var.ctx.random);
        const answer = await passwordLogin(c.var.ctx, {
          email,
          password: form.password ?? "",
          rememberMe: form.rememberMe === "true",
          turnstileToken: form.turnstileToken || undefined,
          deviceHash: device.hash,
        });
        return await nextStep(c, answer, device.hash);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        return show(formErrors(error), error.status as 400 | 401 | 403 | 429);
      }
    })
    .get("/login/team", async (c) => {
      const token = readCookie(c, "preAuth");
      const device = await presentedDevice(c);
      if (!token) return restart(c);
      try {
        const teams = await loginTeamChoices(c.var.ctx, {
          preAuthToken: token,
          deviceHash: device?.hash ?? null,
        });
        return await renderPage(c, <TeamPage teams={teams} errors={NO_ERRORS} />);
      } catch (error) {
        if (error instanceof AuthError && error.status < 500) return restart(c);
        throw error;
      }
    })
    .post("/login/team", async (c) => {
      const form = await readForm(c);
      const token = readCookie(c, "preAuth");
      const device = await presentedDevice(c);
      if (!token) return restart(c);
      const deviceHash = device?.hash ?? null;
      try {
        const tokens = await exchangePreAuth(c.var.ctx, {
          deviceHash,
          preAuthToken: token,
          teamId: form.teamId || null,
        });
        clearPreAuthCookie(c);
        setSessionCookiesFor(c, tokens);
        return c.redirect(SIGNED_IN_PATH, 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        if (error.code === "unauthorized") return restart(c);
        const teams = await loginTeamChoices(c.var.ctx, { preAuthToken: token, deviceHash }).catch(
          () => null,
        );
        if (!teams) return restart(c);
        return renderPage(c, <TeamPage teams={teams} errors={formErrors(error)} />, error.status);
      }
    });
}
