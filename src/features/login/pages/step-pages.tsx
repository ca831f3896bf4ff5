import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../../http/app-env";
import { clearDecisionCookie, readCookie, setDecisionCookie } from "../../../http/cookies";
import { presentedDevice } from "../../../http/device";
import { readForm } from "../../../http/form";
import { AuthError } from "../../../platform/errors";
import { type Captcha, CaptchaField, captchaFor } from "../../../ui/captcha";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../../ui/form";
import { Layout } from "../../../ui/layout";
import { renderPage } from "../../../ui/render";
import { completeDeviceStep } from "../../devices/login-step";
import { completeMfaStep } from "../../mfa/login-step";
import { approveConcurrentLogin, denyConcurrentLogin } from "../../sessions/exchange";
import { loginStatus } from "../approval";
import { completePasswordChange } from "../password-change-step";
import { loadLoginStep, type StepAnswer } from "../step-machine";
import type { StepName } from "../steps";
import { nextStep, restart, signedIn, stepRefused } from "./page-flow";
import { LOGIN_TEXT } from "./pages.en";

const T = LOGIN_TEXT;

/** How often the approval page's script asks whether the sign-in was decided. */
const APPROVAL_POLL_MS = 3000;

function PasswordChangePage(props: { errors: FormErrors }) {
  return (
    <Layout title={T.passwordChange.title} narrow>
      <h1>{T.passwordChange.title}</h1>
      <p>{T.passwordChange.lead}</p>
      <FormAlert errors={props.errors} />
      <PostForm action="/login/password">
        <Field
          name="newPassword"
          type="password"
          label={T.passwordChange.newPassword}
          hint={T.passwordChange.hint}
          autocomplete="new-password"
          required
          errors={props.errors}
        />
        <button type="submit">{T.passwordChange.submit}</button>
      </PostForm>
    </Layout>
  );
}

function DevicePage(props: { errors: FormErrors }) {
  return (
    <Layout title={T.device.title} narrow>
      <h1>{T.device.title}</h1>
      <p>{T.device.lead}</p>
      <FormAlert errors={props.errors} />
      <PostForm action="/login/device">
        <Field
          name="code"
          label={T.device.code}
          autocomplete="one-time-code"
          required
          errors={props.errors}
        />
        <div class="check">
          <input id="f-trustDevice" type="checkbox" name="trustDevice" value="true" />
          <label for="f-trustDevice">{T.device.trust}</label>
        </div>
        <button type="submit">{T.device.submit}</button>
      </PostForm>
    </Layout>
  );
}

function MfaPage(props: { errors: FormErrors; captcha: Captcha | undefined }) {
  return (
    <Layout title={T.mfa.title} narrow>
      <h1>{T.mfa.title}</h1>
      <p>{T.mfa.lead}</p>
      <FormAlert errors={props.errors} />
      <PostForm action="/login/mfa">
        <Field name="code" label={T.mfa.code} autocomplete="one-time-code" required errors={props.errors} />
        <CaptchaField captcha={props.captcha} />
        <button type="submit">{T.mfa.submit}</button>
      </PostForm>
    </Layout>
  );
}

/**
 * Polls the same-origin status endpoint (the pre-auth cookie goes along) and, once the sign-in was decided,
 * reloads this page, which then moves on server-side. Without JavaScript the "Check again" button does the same.
 */
function approvalScript(): string {
  return `(function(){var t=setInterval(function(){fetch("/login/approval/status",{credentials:"same-origin",headers:{accept:"application/json"}}).then(function(r){return r.ok?r.json():{step:"gone"};}).then(function(s){if(s.step!=="login_approval"){clearInterval(t);location.assign("/login/approval");}}).catch(function(){});},${APPROVAL_POLL_MS});})();`;
}

function ApprovalPage(props: { checked: boolean; nonce: string | undefined }) {
  return (
    <Layout title={T.approval.title} narrow>
      <h1>{T.approval.title}</h1>
      <p>{T.approval.lead}</p>
      <p role="status">{props.checked ? T.approval.pending : T.approval.waiting}</p>
      <form class="stack" method="get" action="/login/approval">
        <input type="hidden" name="checked" value="1" />
        <button type="submit">{T.approval.check}</button>
      </form>
      <p>
        <a href="/login">{T.approval.restart}</a>
      </p>
      <script nonce={props.nonce}>{raw(approvalScript())}</script>
    </Layout>
  );
}

function ConcurrentPage(props: { errors: FormErrors }) {
  return (
    <Layout title={T.concurrent.title} narrow>
      <h1>{T.concurrent.title}</h1>
      <p>{T.concurrent.lead}</p>
      <FormAlert errors={props.errors} />
      <PostForm action="/login/concurrent">
        <input type="hidden" name="choice" value="end" />
        <button type="submit">{T.concurrent.end}</button>
      </PostForm>
      <PostForm action="/login/concurrent">
        <input type="hidden" name="choice" value="keep" />
        <button type="submit" class="secondary">
          {T.concurrent.keep}
        </button>
      </PostForm>
    </Layout>
  );
}

/** The second-factor form's Turnstile: the widget only once the API required it. */
function mfaCaptcha(c: Context<AppEnv>, required: boolean) {
  return captchaFor(c.var.config, { action: "mfa", required, nonce: c.var.secureHeadersNonce });
}

/** The login in progress of this browser: its pre-auth token (cookie) and device, or null when there is none. */
export async function loginInProgress(c: Context<AppEnv>) {
  const token = readCookie(c, "preAuth");
  if (!token) return null;
  const device = await presentedDevice(c);
  return { preAuthToken: token, deviceHash: device?.hash ?? null };
}

/** GET of a step's page: shown only while the login is at that step (else its step's page, or /login). */
export function stepPage(step: StepName, page: (c: Context<AppEnv>) => Promise<Response>) {
  return async (c: Context<AppEnv>) => {
    const login = await loginInProgress(c);
    if (!login) return restart(c);
    try {
      await loadLoginStep(c.var.ctx, { token: login.preAuthToken, deviceHash: login.deviceHash, step });
    } catch (error) {
      return stepRefused(c, error, () => restart(c));
    }
    return page(c);
  };
}

/** POST of a step's form: runs the step's service and moves on, or shows the form again with the API's copy. */
function stepForm(
  run: (
    c: Context<AppEnv>,
    login: { preAuthToken: string; deviceHash: string | null },
  ) => Promise<StepAnswer>,
  rerender: (c: Context<AppEnv>, errors: FormErrors, refused: AuthError) => Promise<Response>,
  field: string,
) {
  return async (c: Context<AppEnv>) => {
    const login = await loginInProgress(c);
    if (!login) return restart(c);
    try {
      return await nextStep(c, await run(c, login), login.deviceHash);
    } catch (error) {
      return stepRefused(c, error, async (refused) => {
        const errors =
          refused.code === "validation_failed" ? formErrors(refused) : formErrors(refused, field);
        const response = await rerender(c, errors, refused);
        return new Response(response.body, { status: refused.status, headers: response.headers });
      });
    }
  };
}

/**
 * The pages of the login steps between the password and the team: `/login/password` (password_change),
 * `/login/device` (the mailed code), `/login/approval` (a suspicious login waiting for its owner), `/login/mfa`
 * and `/login/concurrent` (another live session). Each moves on to the next step's page (login/pages/page-flow.tsx).
 */
export function loginStepPages() {
  return new Hono<AppEnv>()
    .get(
      "/login/password",
      stepPage("password_change", (c) => renderPage(c, <PasswordChangePage errors={NO_ERRORS} />)),
    )
    .post(
      "/login/password",
      stepForm(
        async (c, login) =>
          completePasswordChange(c.var.ctx, { ...login, newPassword: (await readForm(c)).newPassword ?? "" }),
        (c, errors) => renderPage(c, <PasswordChangePage errors={errors} />),
        "newPassword",
      ),
    )
    .get(
      "/login/device",
      stepPage("device_approval", (c) => renderPage(c, <DevicePage errors={NO_ERRORS} />)),
    )
    .post(
      "/login/device",
      stepForm(
        async (c, login) => {
          const form = await readForm(c);
          return completeDeviceStep(c.var.ctx, {
            ...login,
            code: (form.code ?? "").trim(),
            trustDevice: form.trustDevice === "true",
          });
        },
        (c, errors) => renderPage(c, <DevicePage errors={errors} />),
        "code",
      ),
    )
    .get(
      "/login/mfa",
      stepPage("mfa", (c) => renderPage(c, <MfaPage errors={NO_ERRORS} captcha={mfaCaptcha(c, false)} />)),
    )
    .post(
      "/login/mfa",
      stepForm(
        async (c, login) => {
          const form = await readForm(c);
          return completeMfaStep(c.var.ctx, {
            ...login,
            code: (form.code ?? "").trim(),
            turnstileToken: form.turnstileToken || undefined,
          });
        },
        async (c, errors, refused) => {
          // Once the API asks for Turnstile (after a second-factor lock), the form keeps the widget.
          const required = refused.code === "captcha_required" || Boolean((await readForm(c)).turnstileToken);
          return renderPage(c, <MfaPage errors={errors} captcha={mfaCaptcha(c, required)} />);
        },
        "code",
      ),
    )
    .get("/login/approval", async (c) => {
      const login = await loginInProgress(c);
      if (!login) return restart(c);
      try {
        const status = await loginStatus(c.var.ctx, login);
        if (status.step === "denied") return restart(c, "denied");
        if (status.step === "login_approval" && !("preAuthToken" in status)) {
          return await renderPage(
            c,
            <ApprovalPage checked={c.req.query("checked") === "1"} nonce={c.var.secureHeadersNonce} />,
          );
        }
        return await nextStep(c, status as StepAnswer, login.deviceHash);
      } catch (error) {
        return stepRefused(c, error, () => restart(c));
      }
    })
    .get("/login/approval/status", async (c) => {
      c.header("Cache-Control", "no-store");
      const login = await loginInProgress(c);
      if (!login) return c.json({ step: "gone" });
      const status = await loginStatus(c.var.ctx, login).catch((error: unknown) => {
        if (error instanceof AuthError && error.status < 500) return { step: "gone" as const };
        throw error;
      });
      // Only where the login stands: the page itself moves on (and gets the next pre-auth token).
      return c.json({
        step: status.step === "login_approval" || status.step === "denied" ? status.step : "decided",
      });
    })
    .get("/login/concurrent", (c) => {
      if (!readCookie(c, "decision")) return restart(c);
      return renderPage(c, <ConcurrentPage errors={NO_ERRORS} />);
    })
    .post("/login/concurrent", async (c) => {
      const form = await readForm(c);
      const decisionToken = readCookie(c, "decision");
      if (!decisionToken) return restart(c);
      const device = await presentedDevice(c);
      const input = { decisionToken, deviceHash: device?.hash ?? null };
      try {
        if (form.choice === "keep") {
          await denyConcurrentLogin(c.var.ctx, input);
          clearDecisionCookie(c);
          return c.redirect("/login?kept=1", 303);
        }
        return signedIn(c, await approveConcurrentLogin(c.var.ctx, input));
      } catch (error) {
        const again = error instanceof AuthError ? error.extra.decisionToken : undefined;
        if (error instanceof AuthError && error.code === "concurrent_session" && typeof again === "string") {
          // Yet another login took the slot meanwhile: decide again about that one.
          setDecisionCookie(c, again, 300);
          return c.redirect("/login/concurrent", 303);
        }
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        clearDecisionCookie(c);
        if (error.code === "unauthorized") return restart(c);
        return renderPage(
          c,
          <ConcurrentPage errors={formErrors(error)} />,
          error.status as ContentfulStatusCode,
        );
      }
    });
}
