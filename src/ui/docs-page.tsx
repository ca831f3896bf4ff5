import { Layout } from "./layout";

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: unknown;
  parameters?: unknown[];
  responses?: Record<string, { description?: string }>;
}

type Paths = Record<string, Record<string, Operation>>;

/**
 * `/docs`: the OpenAPI 3.1 document rendered on the server, with nothing loaded from another origin.
 * The machine-readable document is at /api/v1/openapi.json.
 */
export function DocsPage(props: { document: { info: { title: string; version: string }; paths?: object } }) {
  const operations = Object.entries((props.document.paths ?? {}) as Paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const tags = [...new Set(operations.map((o) => o.op.tags?.[0] ?? "Other"))];
  return (
    <Layout title="API reference">
      <h1>
        {props.document.info.title} <span class="muted">{props.document.info.version}</span>
      </h1>
      <p>
        OpenAPI 3.1 document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Errors are RFC 9457
        problem+json with a stable <code>code</code>.
      </p>
      {tags.map((tag) => (
        <section>
          <h2>{tag}</h2>
          {operations
            .filter((o) => (o.op.tags?.[0] ?? "Other") === tag)
            .map(({ path, method, op }) => (
              <article class="card" id={`${method}-${path}`}>
                <p>
                  <code class="op">{method.toUpperCase()}</code> <code>{path}</code>
                </p>
                {op.summary ? <p>{op.summary}</p> : null}
                {op.description ? <p class="muted">{op.description}</p> : null}
                <ul>
                  {Object.entries(op.responses ?? {}).map(([status, r]) => (
                    <li>
                      <code>{status}</code> {r.description ?? ""}
                    </li>
                  ))}
                </ul>
                {op.requestBody || op.parameters ? (
                  <details>
                    <summary>Request</summary>
                    <pre>{JSON.stringify({ parameters: op.parameters, body: op.requestBody }, null, 2)}</pre>
                  </details>
                ) : null}
              </article>
            ))}
        </section>
      ))}
    </Layout>
  );
}
