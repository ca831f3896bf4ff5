// Issue 16, "page weight and render CPU": what a browser downloads for each page on a first visit (the HTML, the
// stylesheets and eager scripts it links, gzipped as a CDN would send them) and what rendering it costs the
// Worker — workerd CPU per request beside the no-op route measured in the same run (a ratio survives a noisy
// machine). Workers freeze their clock while code runs (it moves only at I/O), so an in-Worker timer cannot time
// a render: the CPU of the workerd process per request is the measure.
import { gzipSync } from "node:zlib";
import { makeUsers, signIn } from "./auth-suites.mjs";
import { measure } from "./lib.mjs";

const N = Number(process.env.BENCH_PAGES_N ?? 30);
const KB = 1024;

/** The same-origin stylesheets and scripts a page loads at once (the strength estimator is fetched on focus). */
function eagerAssets(html) {
  const links = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]);
  return [...links, ...scripts].filter((u) => u.startsWith("/"));
}

async function weigh(origin, path, headers) {
  const res = await fetch(`${origin}${path}`, { headers });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  const html = await res.text();
  let raw = Buffer.byteLength(html);
  let gz = gzipSync(html).length;
  const assets = eagerAssets(html);
  for (const asset of assets) {
    const body = Buffer.from(await (await fetch(`${origin}${asset}`)).arrayBuffer());
    raw += body.length;
    gz += gzipSync(body).length;
  }
  return { htmlGz: gzipSync(html).length, raw, gz, requests: 1 + assets.length };
}

export async function pagesBench(worker, report) {
  const { origin } = worker;
  const password = "violet-anchor-meadow-42";
  const [user] = await makeUsers(origin, 1, password);
  const session = await signIn(origin, user, password);
  const signedIn = { cookie: `__Host-access=${session.accessToken}; __Host-device=${session.deviceId}` };
  const pages = [
    { path: "/login", headers: {} },
    { path: "/register", headers: {} },
    { path: "/forgot-password", headers: {} },
    { path: "/account/security", headers: signedIn },
    { path: "/teams", headers: signedIn },
    { path: `/teams/${user.teamId}`, label: "/teams/:id", headers: signedIn },
    { path: `/teams/${user.teamId}/roles`, label: "/teams/:id/roles", headers: signedIn },
    { path: `/teams/${user.teamId}/api-keys`, label: "/teams/:id/api-keys", headers: signedIn },
    { path: `/teams/${user.teamId}/billing`, label: "/teams/:id/billing", headers: signedIn },
  ].map((p) => ({ label: p.path, ...p }));
  const noop = await measure(worker, N * 3, () => fetch(`${origin}/__bench/noop`).then((r) => r.text()));
  // The baseline of the in-Worker figures: /health through the same middleware chain, no render.
  const health = await (await fetch(`${origin}/__bench/in-worker?n=40&path=/health`)).json();
  report("/health: server time in the Worker, per request (baseline)", health.perRequestMs, "ms");
  for (const page of pages) {
    const weight = await weigh(origin, page.path, page.headers);
    const cpu = await measure(worker, N, () =>
      fetch(`${origin}${page.path}`, { headers: page.headers }).then((r) => r.text()),
    );
    report(
      `page ${page.label}: first visit, gzipped`,
      weight.gz / KB,
      "KiB",
      (v) => v <= 30,
      `target ≤ 30 KiB; ${weight.requests} requests, HTML ${(weight.htmlGz / KB).toFixed(1)} KiB gz, ${(weight.raw / KB).toFixed(1)} KiB raw`,
    );
    const inside = await (
      await fetch(`${origin}/__bench/in-worker?n=40&path=${encodeURIComponent(page.path)}`, {
        headers: page.headers,
      })
    ).json();
    if (inside.status !== 200) throw new Error(`${page.path} (in-worker) answered ${inside.status}`);
    report(
      `page ${page.label}: server time in the Worker, per request`,
      inside.perRequestMs - inside.ioMsPerRequest,
      "ms",
      (v) => v <= 5,
      `target ≤ 5 ms (render and middleware, binding waits of ${inside.ioMsPerRequest.toFixed(2)} ms excluded); ${(
        (inside.perRequestMs - inside.ioMsPerRequest) / Math.max(health.perRequestMs, 0.01)
      ).toFixed(1)}× /health`,
    );
    report(
      `page ${page.label}: workerd CPU per request / no-op route`,
      cpu.cpuPerCall / noop.cpuPerCall,
      "×",
      (v) => v <= 5,
      `target ≤ 5×; ${cpu.cpuPerCall.toFixed(2)} ms against ${noop.cpuPerCall.toFixed(2)} ms (local D1/KV run in-process and count)`,
    );
  }
  // The password-strength estimator is not in any first visit: the register page's loader fetches it on focus.
  const register = await (await fetch(`${origin}/register`)).text();
  const estimator = /"(\/assets\/strength\.[0-9a-f]{8}\.js)"/.exec(register)?.[1];
  if (!estimator) throw new Error("the register page names no strength estimator");
  const bundle = Buffer.from(await (await fetch(`${origin}${estimator}`)).arrayBuffer());
  report(
    "strength estimator, gzipped (fetched when a new-password field is focused)",
    gzipSync(bundle).length / KB,
    "KiB",
    undefined,
    `${(bundle.length / KB).toFixed(0)} KiB raw; cached immutable`,
  );
}
