import { Layout } from "./layout";

/** One fact the reader checks before acting (e.g. "Place: Berlin, DE"). */
export interface PageFact {
  label: string;
  value: string;
}

/** A form with a single button that POSTs hidden fields (form-encoded: works without JavaScript). */
export interface PageAction {
  action: string;
  fields: Record<string, string>;
  button: string;
}

/**
 * The page a mailed link opens, and the page its form answers with: a title, a few lines, the facts the reader
 * needs, and at most one button. Opening it decides nothing; only the button (a POST) acts, so mail scanners that
 * open every link change nothing (../shared/API.md "Mailed links decide nothing on GET"). Server-rendered with
 * no script and no event handler attributes, inside the CSP of http/middleware/security-headers.ts
 * (`form-action 'self'`: the action is a path on this origin).
 */
export function ConfirmPage(props: {
  title: string;
  lines: readonly string[];
  facts?: readonly PageFact[];
  form?: PageAction;
  link?: { href: string; label: string };
}) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      {props.lines.map((line) => (
        <p>{line}</p>
      ))}
      {props.facts && props.facts.length > 0 ? (
        <dl class="card">
          {props.facts.map((fact) => (
            <>
              <dt class="muted">{fact.label}</dt>
              <dd>{fact.value}</dd>
            </>
          ))}
        </dl>
      ) : null}
      {props.form ? (
        <form method="post" action={props.form.action}>
          {Object.entries(props.form.fields).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <button type="submit">{props.form.button}</button>
        </form>
      ) : null}
      {props.link ? (
        <p>
          <a href={props.link.href}>{props.link.label}</a>
        </p>
      ) : null}
    </Layout>
  );
}
