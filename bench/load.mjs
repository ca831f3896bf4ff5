// Issue 19, "Must show": a load test at 80 % of saturation, reporting p95 against the seeds' 150 ms (API p95).
// Two workloads, each first driven to saturation (closed loop, autocannon, many connections), then offered open
// loop at 80 % of that rate, evenly spaced: every response time is recorded from when its request was due, so p95
// is exact and includes any queueing (autocannon's own rate limit sends each second's quota in a burst instead).
// - the API mix a signed-in client makes: `GET /auth/me`, the team's members, the user's teams (bearer);
// - the password step of login, bound by the Argon2id hash.
// The no-op route replayed at the same rate gives the machine's own latency floor, beside each figure.
import autocannon from "autocannon";
import { json, makeUsers, signIn } from "./auth-suites.mjs";
import { percentile } from "./lib.mjs";

const SATURATION_SECONDS = 6;
const LOAD_SECONDS = 10;
const CONNECTIONS = 16;

/** Closed loop (autocannon, many connections): the most requests per second the worker answers. */
function saturate(options) {
  return new Promise((resolve, reject) => {
    let failures = 0;
    const instance = autocannon(
      { connections: CONNECTIONS, duration: SATURATION_SECONDS, ...options },
      (err, result) => (err ? reject(err) : resolve({ rate: result.requests.average, failures })),
    );
    instance.on("response", (_client, status) => {
      if (status >= 400) failures += 1;
    });
    autocannon.track(instance, {
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Open loop: request i is due at start + i / rate, sent then whatever the earlier ones are doing, and its time
 * runs from when it was DUE to its last byte (no coordinated omission: a stall shows in every request it delays).
 */
async function openLoop(rate, send) {
  const total = Math.round(rate * LOAD_SECONDS);
  const times = [];
  let failures = 0;
  const pending = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(
      send(i).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.status >= 400) failures += 1;
          times.push(performance.now() - due);
        },
        () => {
          failures += 1;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { times, failures, seconds: (performance.now() - start) / 1000 };
}

/** Saturation, then 80 % of it offered open loop: the rate achieved and the latency percentiles. */
async function atEightyPercent(title, saturation, send) {
  const saturated = await saturate(saturation);
  if (saturated.failures > 0) throw new Error(`${title}: ${saturated.failures} failed at saturation`);
  const rate = Math.max(1, Math.floor(saturated.rate * 0.8));
  const loaded = await openLoop(rate, send);
  if (loaded.failures > 0) throw new Error(`${title}: ${loaded.failures} failed at 80 %`);
  const round = (v) => Number(v.toFixed(1));
  return {
    saturated: saturated.rate,
    rate,
    achieved: loaded.times.length / loaded.seconds,
    p50: round(percentile(loaded.times, 50)),
    p95: round(percentile(loaded.times, 95)),
    p99: round(percentile(loaded.times, 99)),
  };
}

/** The no-op route offered open loop at `rate`: the latency the machine and the load generator add alone. */
async function floorAt(origin, rate) {
  const run = await openLoop(rate, () => fetch(`${origin}/__bench/noop`));
  return Number(percentile(run.times, 95).toFixed(1));
}

/** A workload's saturation and its p95 at 80 %, beside the no-op route offered at the same rate. */
async function reportLoad(report, origin, title, run, how) {
  const floor = await floorAt(origin, run.rate);
  report(`load: ${title} saturation`, run.saturated, "req/s", undefined, how);
  report(
    `load: ${title} p95 at 80 % of saturation`,
    run.p95,
    "ms",
    (v) => v <= 150,
    `target ≤ 150 ms; ${run.achieved.toFixed(1)} req/s of ${run.rate} offered; p50 ${run.p50} ms, p99 ${run.p99} ms; no-op route at the same rate p95 ${floor} ms`,
  );
}

export async function loadTest(worker, report, { password }) {
  const { origin } = worker;
  const users = await makeUsers(origin, 8, password);
  const session = await signIn(origin, users[0], password);
  const bearer = { authorization: `Bearer ${session.accessToken}` };
  const teamId = users[0].teamId;

  const mix = ["/api/v1/auth/me", `/api/v1/teams/${teamId}/members`, "/api/v1/auth/me", "/api/v1/teams"];
  const api = await atEightyPercent(
    "API mix",
    { url: origin, requests: mix.map((path) => ({ method: "GET", path, headers: bearer })) },
    (i) => fetch(`${origin}${mix[i % mix.length]}`, { headers: bearer }),
  );
  await reportLoad(report, origin, "API mix", api, `${CONNECTIONS} connections`);

  // Logins: each request another user and another client address (no per-IP or per-account limit is reached).
  let n = 0;
  const loginInit = (i) => {
    const user = users[i % users.length];
    return {
      method: "POST",
      headers: { ...json, "cf-connecting-ip": `10.88.${(i >> 8) & 255}.${i & 255}` },
      body: JSON.stringify({ email: user.email, password }),
    };
  };
  const login = await atEightyPercent(
    "login",
    {
      url: origin,
      connections: 4,
      requests: [
        {
          method: "POST",
          path: "/api/v1/auth/login",
          setupRequest: (request) => ({ ...request, ...loginInit(n++), path: "/api/v1/auth/login" }),
        },
      ],
    },
    (i) => fetch(`${origin}/api/v1/auth/login`, loginInit(10_000 + i)),
  );
  await reportLoad(report, origin, "login", login, "4 connections; Argon2id bound");
}
