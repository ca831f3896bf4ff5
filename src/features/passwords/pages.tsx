import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { readForm } from "../../http/form";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { PASSWORD_TEXT } from "./pages.en";
import { forgotPassword, resetPassword } from "./reset-and-change";

const T = PASSWORD_TEXT;

function ForgotPage(props: { email?: string; errors: FormErrors; sent?: boolean }) {
  return (
    <Layout title={T.forgot.title} narrow>
      <h1>{T.forgot.title}</h1>
      {props.sent ? (
        <p class="notice" role="status">
          {T.forgot.sent}
        </p>
      ) : (
        <p>{T.forgot.lead}</p>
      )}
      <FormAlert errors={props.errors} />
      <PostForm action="/forgot-password">
        <Field
          name="email"
          type="email"
          label={T.forgot.email}
          value={props.email}
          autocomplete="email"
          required
          errors={props.errors}
        />
        <button type="submit">{T.forgot.submit}</button>
      </PostForm>
      <p>
        <a href="/login">{T.forgot.login}</a>
      </p>
    </Layout>
  );
}

function ResetPage(props: { token: string; errors: FormErrors }) {
  return (
    <Layout title={T.reset.title} narrow>
      <h1>{T.reset.title}</h1>
      <p>{T.reset.lead}</p>
      <FormAlert errors={props.errors} />
      <PostForm action="/reset-password">
        <input type="hidden" name="token" value={props.token} />
        <Field
          name="newPassword"
          type="password"
          label={T.reset.password}
          autocomplete="new-password"
          required
          errors={props.errors}
        />
        <button type="submit">{T.reset.submit}</button>
      </PostForm>
      {props.errors.form ? (
        <p>
          <a href="/forgot-password">{T.reset.again}</a>
        </p>
      ) : null}
    </Layout>
  );
}

/**
 * `/forgot-password` and `/reset-password?token=` (the reset mail's link: opening it only shows the form; the
 * token is spent by the POST). A reset sends the browser to /login?reset=1.
 */
export function passwordPages() {
  return new Hono<AppEnv>()
    .get("/forgot-password", (c) =>
      renderPage(c, <ForgotPage errors={NO_ERRORS} sent={c.req.query("sent") === "1"} />),
    )
    .post("/forgot-password", async (c) => {
      const email = (await readForm(c)).email ?? "";
      try {
        if (!isValidEmail(normalizeEmail(email))) {
          throw AuthError.validation([{ path: "email", message: "Enter a valid email address." }]);
        }
        await forgotPassword(c.var.ctx, email);
        return c.redirect("/forgot-password?sent=1", 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        return renderPage(c, <ForgotPage email={email} errors={formErrors(error, "email")} />, error.status);
      }
    })
    .get("/reset-password", (c) =>
      renderPage(c, <ResetPage token={c.req.query("token") ?? ""} errors={NO_ERRORS} />),
    )
    .post("/reset-password", async (c) => {
      const form = await readForm(c);
      const token = form.token ?? "";
      try {
        await resetPassword(c.var.ctx, { token, newPassword: form.newPassword ?? "" });
        return c.redirect("/login?reset=1", 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        const field = error.code === "invalid_token" ? undefined : "newPassword";
        return renderPage(c, <ResetPage token={token} errors={formErrors(error, field)} />, error.status);
      }
    });
}
