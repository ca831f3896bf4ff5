import type { Child } from "hono/jsx";

/** The shell of every page the Worker serves: no external resources, styles inline (CSP: self only). */
export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Gatehouse`}</title>
        <style>{STYLES}</style>
      </head>
      <body>
        <header>
          <strong>Gatehouse</strong>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

const STYLES = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
header { padding: 12px 24px; border-bottom: 1px solid var(--line); }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
a { color: var(--accent); }
pre { white-space: pre-wrap; word-break: break-word; background: rgba(127,127,127,.08); padding: 12px; border-radius: 6px; }
.muted { color: var(--muted); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 0 0 16px; }
.code { font: 600 22px/1.2 ui-monospace, monospace; letter-spacing: 4px; }
form.inline { display: flex; gap: 8px; margin-bottom: 16px; }
input { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; min-width: 280px; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--accent); color: #fff; }
code.op { font-weight: 600; }
`;
