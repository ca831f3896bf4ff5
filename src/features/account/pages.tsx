import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { Layout } from "../../ui/layout";
import { renderPage } from "../../ui/render";
import { pageSession } from "../sessions/page-session";
import { me } from "./account";
import { ACCOUNT_TEXT } from "./pages.en";
import { securityPages } from "./security-pages";

const T = ACCOUNT_TEXT.account;

type Me = Awaited<ReturnType<typeof me>>;

function AccountPage(props: { me: Me }) {
  const { user, team, role } = props.me;
  const facts: [string, string][] = [
    [T.signedInAs, user.email],
    [T.name, user.name ?? ""],
    [T.team, team?.name ?? T.noTeam],
    [T.role, role?.name ?? ""],
    [T.twoFactor, props.me.mfaEnabled ? T.on : T.off],
  ];
  return (
    <Layout title={T.title}>
      <h1>{T.title}</h1>
      <dl class="card">
        {facts
          .filter(([, value]) => value !== "")
          .map(([label, value]) => (
            <>
              <dt class="muted">{label}</dt>
              <dd>{value}</dd>
            </>
          ))}
      </dl>
      <p>
        <a href="/account/security">{T.security}</a>
      </p>
    </Layout>
  );
}

/**
 * `/account`: who is signed in (cookie mode), and `/account/security` (security-pages.tsx); without a live
 * session (pageSession: the access cookie, else a refresh), the login page.
 */
export function accountPages() {
  return new Hono<AppEnv>().route("/", securityPages()).get("/account", async (c) => {
    const auth = await pageSession(c);
    if (!auth) return c.redirect("/login", 303);
    return renderPage(c, <AccountPage me={await me(c.var.ctx, auth)} />);
  });
}
