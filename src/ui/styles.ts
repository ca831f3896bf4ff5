/**
 * The one stylesheet of every page: a small design system on CSS custom properties (colours, spacing, radius),
 * light and dark through `prefers-color-scheme`, one column that fits 360 px. Served by ui/assets.ts under a
 * fingerprinted path and cached immutable; pages link it (the CSP allows styles from 'self' only).
 */
export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --surface: #f6f8fa; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --primary: #0b5cad; --on-primary: #ffffff; --danger: #b42318; --ok: #1a7f37;
  --radius: 8px; --space: 16px; --font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --surface: #161b22; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d;
    --primary: #4493f8; --on-primary: #0d1117; --danger: #ff7b72; --ok: #3fb950;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; font: var(--font); color: var(--fg); background: var(--bg); min-height: 100vh;
  display: flex; flex-direction: column; }
header, footer { padding: 12px var(--space); }
header { border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header .brand img { display: inline-block; vertical-align: middle; margin-right: 8px; max-width: 160px; }
footer { border-top: 1px solid var(--line); color: var(--muted); font-size: 14px; margin-top: auto; }
main { width: 100%; max-width: 960px; margin: 0 auto; padding: calc(var(--space) * 1.5) var(--space); }
main.narrow { max-width: 440px; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 var(--space); }
a { color: var(--primary); }
pre { white-space: pre-wrap; word-break: break-word; background: var(--surface); padding: 12px; border-radius: 6px; }
.muted { color: var(--muted); }
.card { border: 1px solid var(--line); border-radius: var(--radius); padding: var(--space); margin: 0 0 var(--space); }
.code { font: 600 22px/1.2 ui-monospace, monospace; letter-spacing: 4px; }
.notice { border-left: 4px solid var(--ok); background: var(--surface); padding: 10px 14px; border-radius: 4px; }
.alert { border-left: 4px solid var(--danger); background: var(--surface); padding: 10px 14px; border-radius: 4px; }
form.stack { display: flex; flex-direction: column; gap: var(--space); margin: 0 0 var(--space); }
form.inline { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: var(--space); }
.field { display: flex; flex-direction: column; gap: 4px; }
.field label { font-weight: 600; }
.field .error { color: var(--danger); font-size: 14px; margin: 0; }
.strength { display: flex; align-items: center; gap: 8px; font-size: 14px; color: var(--muted); }
.strength[hidden] { display: none; }
.strength meter { flex: 1; height: 8px; }
.check { display: flex; align-items: center; gap: 8px; }
input, select { font: inherit; color: var(--fg); background: var(--bg); padding: 8px 10px;
  border: 1px solid var(--line); border-radius: 6px; width: 100%; }
input[type="checkbox"], input[type="radio"] { width: auto; }
input[aria-invalid="true"] { border-color: var(--danger); }
input:focus-visible, select:focus-visible, button:focus-visible, a:focus-visible {
  outline: 3px solid var(--primary); outline-offset: 2px; }
button { font: inherit; font-weight: 600; padding: 9px 16px; border-radius: 6px; border: 1px solid var(--primary);
  background: var(--primary); color: var(--on-primary); cursor: pointer; }
button.secondary { background: transparent; color: var(--primary); }
fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: var(--space); margin: 0; }
legend { font-weight: 600; padding: 0 4px; }
code.op { font-weight: 600; }
ul.tabs { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 0 0 var(--space); }
ul.tabs a[aria-current="page"] { font-weight: 700; text-decoration: none; }
ul.list { list-style: none; padding: 0; margin: 0 0 var(--space); }
ul.list .card p { margin: 0 0 8px; }
form.inline label { align-self: center; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
ul.stats { list-style: none; padding: 0; margin: 0 0 var(--space); display: grid; gap: var(--space);
  grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); }
ul.stats .card { margin: 0; }
ul.stats h3 { font-size: 1rem; margin: 0; }
ul.stats .figure { font-size: 2rem; font-weight: 700; margin: 4px 0; }
svg .bar.ok { fill: var(--ok); }
svg .bar.danger { fill: var(--danger); }
ul.rows { list-style: none; padding: 0; margin: 0 0 var(--space); }
ul.rows > li { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px;
  border-bottom: 1px solid var(--line); padding: 8px 0; }
ul.rows > li p, ul.rows > li form.inline { margin: 0; }
img.qr { background: #fff; padding: 8px; border-radius: 6px; }
#manual-key { word-break: break-all; }
@media (max-width: 480px) { form.inline input { min-width: 0; } h1 { font-size: 1.35rem; } }
`;
