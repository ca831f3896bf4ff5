import { Layout } from "../../ui/layout";
import type { DevMail } from "./schemas";

/** `/dev/mailbox`: every mail the dev provider "delivered", newest first (development only). */
export function DevMailboxPage(props: { mails: DevMail[]; to: string }) {
  return (
    <Layout title="Dev mailbox">
      <h1>Dev mailbox</h1>
      <p class="muted">
        Mails sent while <code>EMAIL_PROVIDER=mailbox</code>. JSON:{" "}
        <a href="/api/v1/dev/mailbox">/api/v1/dev/mailbox</a>
      </p>
      <form class="inline" method="get" action="/dev/mailbox">
        <input
          type="email"
          name="to"
          value={props.to}
          placeholder="Filter by recipient"
          aria-label="Recipient"
        />
        <button type="submit">Filter</button>
      </form>
      {props.mails.length === 0 ? <p>No mail yet.</p> : null}
      {props.mails.map((mail) => (
        <article class="card" id={`mail-${mail.id}`}>
          <h2>{mail.subject}</h2>
          <p class="muted">
            To <strong>{mail.to}</strong> · {mail.template} ·{" "}
            <time datetime={mail.createdAt}>{mail.createdAt}</time>
          </p>
          {mail.codes.map((code) => (
            <p class="code">{code}</p>
          ))}
          {mail.links.length > 0 ? (
            <ul>
              {mail.links.map((link) => (
                <li>
                  <a href={link}>{link}</a>
                </li>
              ))}
            </ul>
          ) : null}
          <details>
            <summary>Text body</summary>
            <pre>{mail.text}</pre>
          </details>
        </article>
      ))}
    </Layout>
  );
}
