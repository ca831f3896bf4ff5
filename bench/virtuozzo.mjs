// Issue 15, "Must show": session-key requests per second served from the team's VirtuozzoSession cache, beside
// the same run's no-op route (as a ratio), with the storage round trips of one such request (bench/io-meter.ts),
// and the sign-ins the load caused at the fake Virtuozzo (must be 0: every answer came from the cache). The
// bench worker reaches the fake through its development outbound fetch (loopback passes through).
import { startFakeVirtuozzo } from "../scripts/fake-virtuozzo.mjs";
import { cannon, json, makeUsers, signIn } from "./auth-suites.mjs";

const LOAD_SECONDS = 5;
const FAKE_PORT = Number(process.env.BENCH_FAKE_VIRTUOZZO_PORT ?? 8791);

export async function virtuozzoBench(worker, report, password = "violet-anchor-meadow-42") {
  const { origin } = worker;
  const vz = await startFakeVirtuozzo({ port: FAKE_PORT, quiet: true });
  try {
    const [user] = await makeUsers(origin, 1, password);
    const session = await signIn(origin, user, password);
    const headers = { authorization: `Bearer ${session.accessToken}` };
    const base = `/api/v1/teams/${user.teamId}/virtuozzo`;
    const put = await fetch(`${origin}${base}`, {
      method: "PUT",
      headers: { ...json, ...headers },
      body: JSON.stringify({
        apiUrl: vz.origin,
        login: "dev@example.com",
        password: "dev-virtuozzo-password",
      }),
    });
    if (put.status !== 200) throw new Error(`PUT virtuozzo answered ${put.status}: ${await put.text()}`);
    const first = await fetch(`${origin}${base}/session`, { headers });
    if (first.status !== 200) throw new Error(`session answered ${first.status}`);

    const metered = await (await fetch(`${origin}/__bench/metered${base}/session`, { headers })).json();
    if (metered.status !== 200) throw new Error(`metered session answered ${metered.status}`);
    const methods = metered.methods ?? {};
    const count = (prefix) =>
      Object.entries(methods).reduce((a, [k, v]) => a + (k.startsWith(prefix) ? v : 0), 0);

    const signinsBefore = vz.fake.counts.signin;
    const noop = await cannon({ url: `${origin}/__bench/noop`, connections: 8, duration: LOAD_SECONDS });
    const authed = await cannon({
      url: `${origin}/__bench/authed`,
      connections: 8,
      duration: LOAD_SECONDS,
      headers,
    });
    const keys = await cannon({
      url: `${origin}${base}/session`,
      connections: 8,
      duration: LOAD_SECONDS,
      headers,
    });
    if (keys.non2xx > 0) throw new Error(`session answered ${keys.non2xx} non-2xx under load`);
    const rate = keys.requests.average;
    report(
      "virtuozzo session key from the DO cache",
      rate,
      "req/s",
      undefined,
      "GET …/virtuozzo/session, 8 conn",
    );
    report("virtuozzo session key / no-op route", rate / noop.requests.average, "×", undefined, "same run");
    report(
      "virtuozzo session key / authenticated no-op",
      rate / authed.requests.average,
      "×",
      undefined,
      "the feature's own cost: 1 DO call + AES-GCM open (D1 at most every 30 s)",
    );
    report("virtuozzo session key: p99 latency", keys.latency.p99, "ms");
    report(
      "virtuozzo session key: Worker CPU (wall − binding waits)",
      metered.wall - metered.io - metered.bindingSync,
      "ms",
      undefined,
      "one metered request",
    );
    report("virtuozzo session key: D1 round trips", count("d1."), "");
    report("virtuozzo session key: KV reads", count("kv.get"), "");
    report("virtuozzo session key: DO calls", count("vz.") + count("do."), "");
    report(
      "virtuozzo sign-ins during the load",
      vz.fake.counts.signin - signinsBefore,
      "",
      (v) => v === 0,
      "every key served from the cache",
    );
  } finally {
    await vz.close();
  }
}
