// Issue 19 item 7, "Hot paths": per path (authenticated request, /auth/me, refresh, login) its binding calls —
// D1 round trips, KV reads, DO calls, from the metered route (bench/io-meter.ts) — and its throughput as a ratio
// to the no-op route measured in the same run; and the fixed chain's cost (`/health` against the plain route)
// with the development and with the production request-log setting.
import { cannon, json, makeUsers, nextIp, signIn } from "./auth-suites.mjs";
import { median } from "./lib.mjs";

const LOAD_SECONDS = 5;

/**
 * What a metered request did with its bindings, by kind. D1 round trips are also told apart by where D1 read
 * replication would serve them (bench/io-meter.ts: the primary, or a replica at least as fresh as the session).
 */
function ioOf(out) {
  const m = out.methods ?? {};
  const sum = (pred) => Object.entries(m).reduce((a, [k, v]) => a + (pred(k) ? v : 0), 0);
  return {
    d1: sum((k) => k.startsWith("d1.")),
    d1Primary: out.d1?.primary ?? 0,
    d1Replica: out.d1?.replica ?? 0,
    kvReads: sum((k) => k === "kv.get" || k === "kv.getWithMetadata" || k === "kv.list"),
    kvWrites: sum((k) => k === "kv.put" || k === "kv.delete"),
    doCalls: sum((k) => k.startsWith("do.") || k.startsWith("gate.")),
  };
}

/** The largest count of each kind over several requests of one path. */
function worst(ios) {
  return Object.fromEntries(Object.keys(ios[0]).map((k) => [k, Math.max(...ios.map((io) => io[k]))]));
}

async function metered(origin, path, init = {}) {
  const out = await (await fetch(`${origin}/__bench/metered${path}`, init)).json();
  if (out.status >= 400) throw new Error(`${path} answered ${out.status}: ${out.body}`);
  return out;
}

async function throughput(options) {
  const result = await cannon({ duration: LOAD_SECONDS, ...options });
  if (result.non2xx > 0) throw new Error(`${options.url} answered ${result.non2xx} non-2xx under load`);
  return result.requests.average;
}

/** Requests per second, one at a time (for paths whose every request consumes its token, like refresh). */
async function sequentialRate(n, fn) {
  const walls = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    walls.push(performance.now() - t);
  }
  return 1000 / median(walls);
}

export async function hotPaths(worker, report, { users, password, loginsPerSecond, loginConnections }) {
  const { origin } = worker;
  // Fresh users: a session on a new device of a user who already has one waits for device approval.
  const [first, second] = await makeUsers(origin, 2, password);
  const session = await signIn(origin, first, password);
  const bearer = { authorization: `Bearer ${session.accessToken}` };
  const io = {};

  io.authenticated = worst(
    await Promise.all(
      Array.from({ length: 5 }, () => metered(origin, "/__bench/authed", { headers: bearer }).then(ioOf)),
    ),
  );
  io.me = worst(
    await Promise.all(
      Array.from({ length: 5 }, () => metered(origin, "/api/v1/auth/me", { headers: bearer }).then(ioOf)),
    ),
  );
  const logins = [];
  for (let i = 0; i < 5; i++) {
    const out = await metered(origin, "/api/v1/auth/login", {
      method: "POST",
      headers: { ...json, "cf-connecting-ip": nextIp() },
      body: JSON.stringify({ email: users[(i + 3) % users.length].email, password }),
    });
    logins.push(ioOf(out));
  }
  io.login = worst(logins);
  let current = await signIn(origin, second, password);
  const refreshOnce = async () => {
    const out = await metered(origin, "/api/v1/auth/refresh", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ refreshToken: current.refreshToken, deviceId: current.deviceId }),
    });
    current = { ...JSON.parse(out.body), deviceId: current.deviceId };
    return ioOf(out);
  };
  const refreshes = [];
  for (let i = 0; i < 5; i++) refreshes.push(await refreshOnce());
  io.refresh = worst(refreshes);

  // Throughput, each against the no-op route under the same load in this run.
  const noop8 = await throughput({ url: `${origin}/__bench/noop`, connections: 8 });
  const noopLogin = await throughput({ url: `${origin}/__bench/noop`, connections: loginConnections });
  const authed = await throughput({ url: `${origin}/__bench/authed`, connections: 8, headers: bearer });
  const me = await throughput({ url: `${origin}/api/v1/auth/me`, connections: 8, headers: bearer });
  // Refresh consumes its token: measured one at a time, against the no-op one at a time.
  const noopSequential = await sequentialRate(100, () =>
    fetch(`${origin}/__bench/noop`).then((r) => r.text()),
  );
  const refreshSequential = await sequentialRate(30, refreshOnce);

  const paths = [
    {
      name: "authenticated request",
      io: io.authenticated,
      ratio: authed / noop8,
      how: "8 connections",
      d1: (v) => v === 0,
      d1Target: "target 0",
      kv: (v) => v <= 1,
    },
    {
      name: "GET /auth/me",
      io: io.me,
      ratio: me / noop8,
      how: "8 connections",
      d1: (v) => v <= 1,
      d1Target: "target ≤ 1",
    },
    {
      name: "refresh",
      io: io.refresh,
      ratio: refreshSequential / noopSequential,
      how: "one at a time: each refresh consumes its token",
      d1: (v) => v <= 2,
      d1Target: "target ≤ 2",
    },
    {
      name: "login (password step)",
      io: io.login,
      ratio: loginsPerSecond / noopLogin,
      how: `${loginConnections} connections; bound by the Argon2id hash`,
    },
  ];
  for (const p of paths) {
    report(`hot path ${p.name}: D1 round trips`, p.io.d1, "", p.d1, p.d1Target ?? "");
    report(
      `hot path ${p.name}: D1 primary round trips`,
      p.io.d1Primary,
      "",
      undefined,
      "writes, a first-primary session's first query, anything after a write",
    );
    report(
      `hot path ${p.name}: D1 replica-eligible round trips`,
      p.io.d1Replica,
      "",
      undefined,
      "reads a read replica may serve (docs/read-replicas.md)",
    );
    report(
      `hot path ${p.name}: KV reads`,
      p.io.kvReads,
      "",
      p.kv,
      `${p.kv ? "target ≤ 1; " : ""}KV writes ${p.io.kvWrites}`,
    );
    report(`hot path ${p.name}: DO calls`, p.io.doCalls, "");
    report(`hot path ${p.name}: throughput / no-op route`, p.ratio, "×", undefined, p.how);
  }
}

/**
 * The fixed chain every request passes (request id, client IP, request log, security headers, configuration,
 * context, CORS, …): `/health` against the bench's plain route (the same handler behind the configuration and
 * context middleware only, no request log), under the same load, in one worker. `setting` names the worker's
 * request-log setting.
 */
export async function healthVsPlain(worker, report, setting) {
  const { origin } = worker;
  for (let i = 0; i < 20; i++) {
    await fetch(`${origin}/health`).then((r) => r.text());
    await fetch(`${origin}/__bench/plain`).then((r) => r.text());
  }
  const plain = await throughput({ url: `${origin}/__bench/plain`, connections: 8 });
  const health = await throughput({ url: `${origin}/health`, connections: 8 });
  report(`/health throughput, ${setting}`, health, "req/s");
  report(
    `/health / plain route throughput, ${setting}`,
    health / plain,
    "×",
    undefined,
    `plain ${plain.toFixed(0)} req/s`,
  );
  return health / plain;
}
