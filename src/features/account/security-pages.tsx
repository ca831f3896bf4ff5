import { type Context, Hono } from "hono";
import type { Principal } from "../../auth/principal";
import { assertFreshAuthentication } from "../../auth/step-up";
import type { AppEnv } from "../../http/app-env";
import { readForm } from "../../http/form";
import { AuthError } from "../../platform/errors";
import { formErrors, NO_ERRORS } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { forgetTrustedDevice } from "../devices/trusted-devices";
import { beginEnrolment, finishEnrolment } from "../mfa/enrolment";
import { disableMfa, regenerateRecoveryCodes } from "../mfa/mfa";
import { changePassword } from "../passwords/reset-and-change";
import { pageSession } from "../sessions/page-session";
import { isStepUpChallenge, stepUpPrompt } from "../step-up/pages";
import { revokeOwnSession } from "./account";

import {
  type Done,
  type FormName,
  PATH,
  RecoveryCodesPage,
  SecurityPage,
  SetupPage,
  securityData,
  T,
} from "./security-views";

/*
 * `/account/security`. CSRF: these pages call the services directly (not the API, whose cookie-authenticated
 * writes need X-CSRF-Token), so every POST reads its fields with readForm first: its same-origin check
 * (Sec-Fetch-Site / Origin) is the pages' CSRF defence, with the SameSite=Lax session cookies on top.
 * Writes follow PRG (POST → 303 → GET with a `done` notice); the two answers that cannot be fetched again — the
 * new authenticator key and the recovery codes, shown once — are rendered by the POST itself (no-store).
 * Sensitive writes (password, 2FA on/off, recovery codes) need a recent authentication (RFC 9470 step-up, as
 * their API routes): without one the "Confirm it's you" form answers in place, then returns here.
 */

const DONE = new Set<string>(Object.keys(T.done));

/** A refused service call becomes the page again, with the API's status and copy next to the right field. */
function refused(error: unknown): AuthError {
  if (!(error instanceof AuthError) || error.status >= 500) throw error;
  return error;
}

export function securityPages() {
  const app = new Hono<AppEnv>();

  /** Runs a write of the security page: form first (the CSRF check), then the page session, then PRG. */
  function write(
    path: string,
    action: {
      form: FormName;
      /** A sensitive write: the step-up guard runs first. */
      fresh?: boolean;
      field: (error: AuthError) => string | undefined;
      run: (c: Context<AppEnv>, input: { auth: Principal; form: Record<string, string> }) => Promise<Done>;
    },
  ) {
    app.post(`${PATH}${path}`, async (c) => {
      const form = await readForm(c);
      const auth = await pageSession(c);
      if (!auth) return c.redirect("/login", 303);
      try {
        if (action.fresh) await assertFreshAuthentication(c.var.ctx, auth);
        return c.redirect(`${PATH}?done=${await action.run(c, { auth, form })}`, 303);
      } catch (caught) {
        const error = refused(caught);
        if (isStepUpChallenge(error)) return stepUpPrompt(c, error, PATH);
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        const data = await securityData(c, auth);
        const errors = formErrors(error, action.field(error));
        return renderPage(c, <SecurityPage data={data} failed={action.form} errors={errors} />, error.status);
      }
    });
  }

  app.get(PATH, async (c) => {
    const auth = await pageSession(c);
    if (!auth) return c.redirect("/login", 303);
    const done = c.req.query("done");
    const data = await securityData(c, auth);
    return renderPage(
      c,
      <SecurityPage data={data} done={done && DONE.has(done) ? (done as Done) : undefined} />,
    );
  });

  write("/password", {
    form: "password",
    fresh: true,
    field: (e) => (e.code === "invalid_credentials" ? "currentPassword" : "newPassword"),
    run: async (c, { auth, form }) => {
      await changePassword(c.var.ctx, {
        auth,
        currentPassword: form.currentPassword ?? "",
        newPassword: form.newPassword ?? "",
      });
      return "password";
    },
  });

  write("/2fa/disable", {
    form: "disable",
    fresh: true,
    field: (e) => (e.code === "invalid_credentials" ? "disablePassword" : "disableCode"),
    run: async (c, { auth, form }) => {
      await disableMfa(c.var.ctx, {
        userId: auth.userId,
        password: form.disablePassword ?? "",
        code: form.disableCode ?? "",
      });
      return "2fa-off";
    },
  });

  write("/sessions/revoke", {
    form: "session",
    field: () => undefined,
    run: async (c, { auth, form }) => {
      await revokeOwnSession(c.var.ctx, { auth, sessionId: form.sessionId ?? "" });
      return "session";
    },
  });

  write("/devices/revoke", {
    form: "device",
    field: () => undefined,
    run: async (c, { auth, form }) => {
      await forgetTrustedDevice(c.var.ctx, { userId: auth.userId, deviceId: form.deviceId ?? "" });
      return "device";
    },
  });

  app.post(`${PATH}/2fa/setup`, async (c) => {
    await readForm(c);
    const auth = await pageSession(c);
    if (!auth) return c.redirect("/login", 303);
    try {
      await assertFreshAuthentication(c.var.ctx, auth);
      const who = { kind: "session", userId: auth.userId, sessionId: auth.sid } as const;
      const setup = await beginEnrolment(c.var.ctx, who);
      return renderPage(c, <SetupPage setup={setup} errors={NO_ERRORS} />);
    } catch (caught) {
      const error = refused(caught);
      if (isStepUpChallenge(error)) return stepUpPrompt(c, error, PATH);
      const data = await securityData(c, auth);
      return renderPage(
        c,
        <SecurityPage data={data} failed="disable" errors={formErrors(error)} />,
        error.status,
      );
    }
  });

  app.post(`${PATH}/2fa/confirm`, async (c) => {
    const form = await readForm(c);
    const auth = await pageSession(c);
    if (!auth) return c.redirect("/login", 303);
    const challengeId = form.challengeId ?? "";
    try {
      await assertFreshAuthentication(c.var.ctx, auth);
      const { recoveryCodes } = await finishEnrolment(c.var.ctx, {
        who: { kind: "session", userId: auth.userId, sessionId: auth.sid },
        challengeId,
        code: form.code ?? "",
      });
      return renderPage(c, <RecoveryCodesPage codes={recoveryCodes} nonce={c.var.secureHeadersNonce} />);
    } catch (caught) {
      const error = refused(caught);
      if (isStepUpChallenge(error)) return stepUpPrompt(c, error, PATH);
      // The key the user is entering again: only redisplayed (the sealed enrolment in KV is what counts), and
      // only in its own shape, so a forged form cannot put anything else on the page.
      const secret = /^[A-Z2-7]{16,128}$/.test(form.secret ?? "") ? (form.secret ?? "") : "";
      const uri = (form.otpauthUri ?? "").startsWith("otpauth://totp/") ? (form.otpauthUri ?? "") : "";
      if (!secret || !uri) return c.redirect(PATH, 303);
      const setup = { challengeId, secret, otpauthUri: uri };
      return renderPage(c, <SetupPage setup={setup} errors={formErrors(error, "code")} />, error.status);
    }
  });

  app.post(`${PATH}/2fa/recovery-codes`, async (c) => {
    const form = await readForm(c);
    const auth = await pageSession(c);
    if (!auth) return c.redirect("/login", 303);
    try {
      await assertFreshAuthentication(c.var.ctx, auth);
      const { recoveryCodes } = await regenerateRecoveryCodes(c.var.ctx, {
        userId: auth.userId,
        password: form.regeneratePassword ?? "",
      });
      return renderPage(c, <RecoveryCodesPage codes={recoveryCodes} nonce={c.var.secureHeadersNonce} />);
    } catch (caught) {
      const error = refused(caught);
      if (isStepUpChallenge(error)) return stepUpPrompt(c, error, PATH);
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
      const data = await securityData(c, auth);
      const errors = formErrors(
        error,
        error.code === "invalid_credentials" ? "regeneratePassword" : undefined,
      );
      return renderPage(c, <SecurityPage data={data} failed="regenerate" errors={errors} />, error.status);
    }
  });

  return app;
}
