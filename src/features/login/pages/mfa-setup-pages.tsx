import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../../http/app-env";
import { readForm } from "../../../http/form";
import { formErrors, NO_ERRORS, PostForm } from "../../../ui/form";
import { Layout } from "../../../ui/layout";
import { renderPage } from "../../../ui/render";
import { RecoveryCodesPage, SetupPage } from "../../account/security-views";
import { beginEnrolment, finishEnrolment } from "../../mfa/enrolment";
import type { StepAnswer } from "../step-machine";
import { nextStep, restart, stepRefused } from "./page-flow";
import { LOGIN_TEXT } from "./pages.en";
import { loginInProgress, stepPage } from "./step-pages";

const T = LOGIN_TEXT.mfaSetup;
const PATH = "/login/mfa-setup";

function IntroPage() {
  return (
    <Layout title={T.title} narrow>
      <h1>{T.title}</h1>
      <p>{T.lead}</p>
      <PostForm action={`${PATH}/start`}>
        <button type="submit">{T.start}</button>
      </PostForm>
      <p>
        <a href="/login">{T.restart}</a>
      </p>
    </Layout>
  );
}

/** The authenticator's key as the form carried it back (the key itself is sealed server-side by challenge). */
function setupOf(form: Record<string, string>) {
  return {
    challengeId: form.challengeId ?? "",
    secret: form.secret ?? "",
    otpauthUri: form.otpauthUri ?? "",
  };
}

/**
 * `/login/mfa-setup`: the `mfa_setup` login step (a platform role must turn 2FA on before its first session).
 * The page explains; its button starts an enrolment for the login's user (a new key, as a QR code and as
 * text); the first code proves the authenticator, the recovery codes are shown once, and "continue" leads to
 * the login's next step — whose pre-auth cookie, or session cookies, this same answer sets.
 */
export function mfaSetupPages() {
  return new Hono<AppEnv>()
    .get(
      PATH,
      stepPage("mfa_setup", (c) => renderPage(c, <IntroPage />)),
    )
    .post(`${PATH}/start`, async (c) => {
      await readForm(c);
      const login = await loginInProgress(c);
      if (!login) return restart(c);
      try {
        const setup = await beginEnrolment(c.var.ctx, { kind: "login", ...login });
        c.header("Cache-Control", "no-store");
        return await renderPage(
          c,
          <SetupPage setup={setup} errors={NO_ERRORS} confirmAction={PATH} cancelHref="/login" />,
        );
      } catch (error) {
        return stepRefused(c, error, () => restart(c));
      }
    })
    .post(PATH, async (c: Context<AppEnv>) => {
      const form = await readForm(c);
      const login = await loginInProgress(c);
      if (!login) return restart(c);
      const setup = setupOf(form);
      c.header("Cache-Control", "no-store");
      try {
        const answer = await finishEnrolment(c.var.ctx, {
          who: { kind: "login", ...login },
          challengeId: setup.challengeId,
          code: (form.code ?? "").trim(),
        });
        // The next step's cookies are set on this answer; the codes page links on to where the step leads.
        const next = await nextStep(c, answer as StepAnswer, login.deviceHash);
        const continueHref = next.headers.get("location") ?? "/login";
        return await renderPage(
          c,
          <RecoveryCodesPage
            codes={answer.recoveryCodes}
            nonce={c.var.secureHeadersNonce}
            continueHref={continueHref}
          />,
        );
      } catch (error) {
        return stepRefused(c, error, (refused) =>
          renderPage(
            c,
            <SetupPage
              setup={setup}
              errors={formErrors(refused, refused.code === "validation_failed" ? undefined : "code")}
              confirmAction={PATH}
              cancelHref="/login"
            />,
            refused.status as ContentfulStatusCode,
          ),
        );
      }
    });
}
