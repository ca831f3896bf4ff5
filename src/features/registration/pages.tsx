import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { readForm } from "../../http/form";
import { fieldErrors } from "../../http/router";
import { AuthError } from "../../platform/errors";
import { type Captcha, CaptchaField, captchaFor } from "../../ui/captcha";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { REGISTRATION_TEXT } from "./pages.en";
import { registerOwner } from "./register-owner";
import { RegisterRequest } from "./routes";

const T = REGISTRATION_TEXT;

type Values = Partial<Record<"email" | "name" | "teamName", string>>;

function RegisterPage(props: { values: Values; errors: FormErrors; captcha: Captcha | undefined }) {
  const { values, errors } = props;
  return (
    <Layout title={T.register.title} narrow>
      <h1>{T.register.title}</h1>
      <p>{T.register.lead}</p>
      <FormAlert errors={errors} />
      <PostForm action="/register">
        <Field
          name="email"
          type="email"
          label={T.register.email}
          value={values.email}
          autocomplete="email"
          required
          errors={errors}
        />
        <Field
          name="password"
          type="password"
          label={T.register.password}
          hint={T.register.passwordHint}
          autocomplete="new-password"
          required
          errors={errors}
        />
        <Field name="name" label={T.register.name} value={values.name} autocomplete="name" errors={errors} />
        <Field
          name="teamName"
          label={T.register.teamName}
          value={values.teamName}
          autocomplete="organization"
          required
          errors={errors}
        />
        <CaptchaField captcha={props.captcha} />
        <button type="submit">{T.register.submit}</button>
      </PostForm>
      <p>
        <a href="/login">{T.register.login}</a>
      </p>
    </Layout>
  );
}

function SentPage() {
  return (
    <Layout title={T.sent.title} narrow>
      <h1>{T.sent.title}</h1>
      {T.sent.lines.map((line) => (
        <p>{line}</p>
      ))}
      <p>
        <a href="/login">{T.sent.login}</a>
      </p>
    </Layout>
  );
}

/** Registration always verifies Turnstile: the widget (or the development dummy token) is on every render. */
function registerCaptcha(c: Context<AppEnv>) {
  return captchaFor(c.var.config, { action: "register", required: true, nonce: c.var.secureHeadersNonce });
}

/** `/register` (Door A) and `/register/sent`. The API's copy shows next to each field it concerns. */
export function registrationPages() {
  return new Hono<AppEnv>()
    .get("/register", (c) =>
      renderPage(c, <RegisterPage values={{}} errors={NO_ERRORS} captcha={registerCaptcha(c)} />),
    )
    .get("/register/sent", (c) => renderPage(c, <SentPage />))
    .post("/register", async (c) => {
      const form = await readForm(c);
      const values: Values = { email: form.email, name: form.name, teamName: form.teamName };
      const turnstile = form.turnstileToken || undefined;
      const parsed = RegisterRequest.safeParse({
        email: form.email ?? "",
        password: form.password ?? "",
        ...(form.name ? { name: form.name } : {}),
        teamName: form.teamName ?? "",
        ...(turnstile ? { turnstileToken: turnstile } : {}),
      });
      try {
        if (!parsed.success) throw AuthError.validation(fieldErrors(parsed.error.issues));
        await registerOwner(c.var.ctx, parsed.data);
        return c.redirect("/register/sent", 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        const field =
          error.code === "email_taken" ? "email" : error.code === "slug_taken" ? "teamName" : undefined;
        return renderPage(
          c,
          <RegisterPage values={values} errors={formErrors(error, field)} captcha={registerCaptcha(c)} />,
          error.status,
        );
      }
    });
}
