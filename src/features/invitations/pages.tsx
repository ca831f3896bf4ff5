import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import { ensureDevice } from "../../http/device";
import { readForm } from "../../http/form";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert, type FormErrors, formErrors, NO_ERRORS, PostForm } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { nextStep, turnstileField } from "../login/pages/page-flow";
import { LOGIN_TEXT } from "../login/pages/pages.en";
import { passwordLogin } from "../login/password-step";
import { invitationForSignup, registerWithInvitation } from "./invitations";

const T = LOGIN_TEXT.invite;

interface Invite {
  token: string;
  email: string;
  teamName: string;
}

function InvitePage(props: { invite: Invite; name?: string; errors: FormErrors }) {
  const { invite, errors } = props;
  return (
    <Layout title={T.title} narrow>
      <h1>{T.title}</h1>
      <p>{T.lead(invite.teamName)}</p>
      <FormAlert errors={errors} />
      <PostForm action="/register/invite">
        <input type="hidden" name="token" value={invite.token} />
        <div class="field">
          <span>{T.email}</span>
          <strong>{invite.email}</strong>
          <span class="muted">{T.emailHint}</span>
        </div>
        <Field
          name="password"
          type="password"
          label={T.password}
          hint={T.passwordHint}
          autocomplete="new-password"
          required
          errors={errors}
        />
        <Field name="name" label={T.name} value={props.name} autocomplete="name" errors={errors} />
        <button type="submit">{T.submit}</button>
      </PostForm>
    </Layout>
  );
}

function InvalidInvitePage() {
  return (
    <Layout title={T.title} narrow>
      <h1>{T.title}</h1>
      <FormAlert errors={{ form: T.invalid, fields: {} }} />
      <p>
        <a href="/login">{LOGIN_TEXT.login.title}</a>
      </p>
    </Layout>
  );
}

async function inviteOf(c: Context<AppEnv>, token: string): Promise<Invite | null> {
  try {
    return { token, ...(await invitationForSignup(c.var.ctx, token)) };
  } catch (error) {
    if (error instanceof AuthError && error.code === "invalid_token") return null;
    throw error;
  }
}

/**
 * `/register/invite?token=` (Door B): the invitation fixes the address; a password and a name create the
 * account (verified by the invitation), and the browser signs in at once through the usual login steps.
 */
export function invitationPages() {
  return new Hono<AppEnv>()
    .get("/register/invite", async (c) => {
      const invite = await inviteOf(c, c.req.query("token") ?? "");
      if (!invite) return renderPage(c, <InvalidInvitePage />, 400);
      return renderPage(c, <InvitePage invite={invite} errors={NO_ERRORS} />);
    })
    .post("/register/invite", async (c) => {
      const form = await readForm(c);
      const invite = await inviteOf(c, form.token ?? "");
      if (!invite) return renderPage(c, <InvalidInvitePage />, 400);
      const name = form.name?.trim() || undefined;
      const password = form.password ?? "";
      try {
        await registerWithInvitation(c.var.ctx, { inviteToken: invite.token, password, name });
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        if (error.code === "invalid_token") return renderPage(c, <InvalidInvitePage />, 400);
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        return renderPage(
          c,
          <InvitePage invite={invite} name={name} errors={formErrors(error)} />,
          error.status as ContentfulStatusCode,
        );
      }
      // The account exists: sign in with the password just chosen (or, should that be refused, at /login).
      const device = await ensureDevice(c, c.var.ctx.random);
      try {
        const answer = await passwordLogin(c.var.ctx, {
          email: invite.email,
          password,
          turnstileToken: turnstileField(c),
          deviceHash: device.hash,
        });
        return await nextStep(c, answer, device.hash);
      } catch (error) {
        if (error instanceof AuthError && error.status < 500) return c.redirect("/login?joined=1", 303);
        throw error;
      }
    });
}
