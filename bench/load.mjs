// Issue 19, "Must show": a load test at 80 % of saturation, reporting p95 against the seeds' 150 ms (API p95).
// Two workloads, each first driven to saturation (closed loop, many connections), then replayed open loop at 80 %
// of that rate (autocannon `overallRate`): every response time is recorded, so p95 is exact, not a bucket.
// - the API mix a signed-in client makes: `GET /auth/me`, the team's members, the user's teams (bearer);
// - the password step of login, bound by the Argon2id hash.
// The no-op route replayed at the same rate gives the machine's own latency floor, beside each figure.
import autocannon from "autocannon";
import { json, makeUsers, signIn } from "./auth-suites.mjs";
import { percentile } from "./lib.mjs";

const SATURATION_SECONDS = 6;
const LOAD_SECONDS = 10;
const CONNECTIONS = 16;

/** Runs autocannon and records every response time (ms) and status. */
function drive(options) {
  return new Promise((resolve, reject) => {
    const times = [];
    let failures = 0;
    const instance = autocannon({ connections: CONNECTIONS, ...options }, (err, result) =>
      err ? reject(err) : resolve({ result, times, failures }),
    );
    instance.on("response", (_client, status, _bytes, responseTime) => {
      times.push(responseTime);
      if (status >= 400) failures += 1;
    });
    autocannon.track(instance, {
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
    });
  });
}

/** Saturation (closed loop), then 80 % of it (open loop): the achieved rate and the latency percentiles. */
async function atEightyPercent(base) {
  const saturation = await drive({ ...base, duration: SATURATION_SECONDS });
  if (saturation.failures > 0) throw new Error(`${base.title}: ${saturation.failures} failed at saturation`);
  const saturated = saturation.result.requests.average;
  const rate = Math.max(1, Math.floor(saturated * 0.8));
  const loaded = await drive({ ...base, duration: LOAD_SECONDS, overallRate: rate });
  if (loaded.failures > 0) throw new Error(`${base.title}: ${loaded.failures} failed at 80 %`);
  return {
    saturated,
    rate,
    achieved: loaded.times.length / LOAD_SECONDS,
    p50: percentile(loaded.times, 50),
    p95: percentile(loaded.times, 95),
    p99: percentile(loaded.times, 99),
  };
}

/** The no-op route replayed open loop at `rate`: the latency the machine and the load generator add alone. */
async function floorAt(origin, rate) {
  const run = await drive({ url: `${origin}/__bench/noop`, duration: LOAD_SECONDS, overallRate: rate });
  return percentile(run.times, 95);
}

export async function loadTest(worker, report, { password }) {
  const { origin } = worker;
  const users = await makeUsers(origin, 8, password);
  const session = await signIn(origin, users[0], password);
  const bearer = { authorization: `Bearer ${session.accessToken}` };
  const teamId = users[0].teamId;

  const api = await atEightyPercent({
    title: "API mix",
    url: origin,
    requests: [
      { method: "GET", path: "/api/v1/auth/me", headers: bearer },
      { method: "GET", path: `/api/v1/teams/${teamId}/members`, headers: bearer },
      { method: "GET", path: "/api/v1/auth/me", headers: bearer },
      { method: "GET", path: "/api/v1/teams", headers: bearer },
    ],
  });
  const apiFloor = await floorAt(origin, api.rate);
  report("load: API mix saturation", api.saturated, "req/s", undefined, `${CONNECTIONS} connections`);
  report(
    "load: API mix p95 at 80 % of saturation",
    api.p95,
    "ms",
    (v) => v <= 150,
    `target ≤ 150 ms; ${api.achieved.toFixed(0)} of ${api.rate} req/s offered; p50 ${api.p50} ms, p99 ${api.p99} ms; no-op route at the same rate p95 ${apiFloor} ms`,
  );

  // Logins: each request another user and another client address (no per-IP or per-account limit is reached).
  let n = 0;
  const login = await atEightyPercent({
    title: "login",
    url: origin,
    connections: 4,
    requests: [
      {
        method: "POST",
        path: "/api/v1/auth/login",
        setupRequest: (request) => {
          n += 1;
          const user = users[n % users.length];
          return {
            ...request,
            headers: { ...json, "cf-connecting-ip": `10.88.${(n >> 8) & 255}.${n & 255}` },
            body: JSON.stringify({ email: user.email, password }),
          };
        },
      },
    ],
  });
  const loginFloor = await floorAt(origin, login.rate);
  report("load: login saturation", login.saturated, "req/s", undefined, "4 connections; Argon2id bound");
  report(
    "load: login p95 at 80 % of saturation",
    login.p95,
    "ms",
    (v) => v <= 150,
    `target ≤ 150 ms; ${login.achieved.toFixed(1)} of ${login.rate} req/s offered; p50 ${login.p50} ms, p99 ${login.p99} ms; no-op route at the same rate p95 ${loginFloor} ms`,
  );
}
