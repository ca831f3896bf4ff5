import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../../http/app-env";
import { readCookie } from "../../../http/cookies";
import { ensureDevice, presentedDevice } from "../../../http/device";
import { readForm } from "../../../http/form";
import { isValidEmail, normalizeEmail } from "../../../platform/email-address";
import { AuthError } from "../../../platform/errors";
import { type Captcha, CaptchaField, captchaFor } from "../../../ui/captcha";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../../ui/form";
import { Layout } from "../../../ui/layout";
import { renderPage } from "../../../ui/render";
import { passwordLogin } from "../password-step";
import type { TeamChoice } from "../step-machine";
import { finishLogin, nextStep, rememberReturnTo, restart, returnOrigins, stepRefused } from "./page-flow";
import { LOGIN_TEXT } from "./pages.en";
import { safeReturnTo } from "./return-to";
import { loginTeamChoices } from "./team-choices";

const T = LOGIN_TEXT;

function LoginPage(props: {
  email?: string;
  errors: FormErrors;
  notice?: string;
  captcha: Captcha | undefined;
  returnTo?: string | null;
}) {
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
        <CaptchaField captcha={props.captcha} />
        {props.returnTo ? <input type="hidden" name="return_to" value={props.returnTo} /> : null}
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

function loginNotice(c: Context<AppEnv>): string | undefined {
  for (const key of ["verified", "reset", "expired", "denied", "kept", "joined"] as const) {
    if (c.req.query(key) === "1") return T.login[key];
  }
  return undefined;
}

/** The login form's Turnstile: the widget only once the API required it (adaptive CAPTCHA). */
function loginCaptcha(c: Context<AppEnv>, required: boolean) {
  return captchaFor(c.var.config, { action: "login", required, nonce: c.var.secureHeadersNonce });
}

/** The login pages: `/login` (email, password, remember me) and `/login/team` (the team picker). */
export function loginPages() {
  return new Hono<AppEnv>()
    .get("/login", (c) =>
      renderPage(
        c,
        <LoginPage
          errors={NO_ERRORS}
          notice={loginNotice(c)}
          captcha={loginCaptcha(c, false)}
          returnTo={safeReturnTo(c.req.query("return_to"), returnOrigins(c))}
        />,
      ),
    )
    .post("/login", async (c) => {
      const form = await readForm(c);
      const email = form.email ?? "";
      const returnTo = safeReturnTo(form.return_to, returnOrigins(c));
      const show = (errors: FormErrors, status: 400 | 401 | 403 | 429, captchaRequired: boolean) =>
        renderPage(
          c,
          <LoginPage
            email={email}
            errors={errors}
            captcha={loginCaptcha(c, captchaRequired)}
            returnTo={returnTo}
          />,
          status,
        );
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
        rememberReturnTo(c, returnTo ?? undefined);
        return await nextStep(c, answer, device.hash);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        // Once the API asks for Turnstile (failures from this IP or for this address), the form shows the widget.
        const captchaRequired = error.code === "captcha_required" || Boolean(form.turnstileToken);
        return show(formErrors(error), error.status as 400 | 401 | 403 | 429, captchaRequired);
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
        // A login at an earlier step goes to that step's page; an expired one starts again.
        return stepRefused(c, error, () => restart(c));
      }
    })
    .post("/login/team", async (c) => {
      const form = await readForm(c);
      const token = readCookie(c, "preAuth");
      const device = await presentedDevice(c);
      if (!token) return restart(c);
      const deviceHash = device?.hash ?? null;
      try {
        return await finishLogin(c, { deviceHash, preAuthToken: token, teamId: form.teamId || null });
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
