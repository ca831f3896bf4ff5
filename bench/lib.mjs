// Shared helpers for `npm run bench`: start the bench Worker under `wrangler dev` with a throw-away local
// state, measure wall time per request and the CPU time the workerd processes spent (from /proc).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const binDir = new URL("../node_modules/.bin", import.meta.url).pathname;
const bin = (name) => `${binDir}/${name}`;
const CLK_TCK = 100;

export async function startBenchWorker({ port = 8799, vars = {} } = {}) {
  // wrangler dev reads the local secrets from .dev.vars: a fresh clone has only the example (as `npm run dev`).
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  const state = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  // node_modules/.bin first: wrangler needs the project's Node 22, not the machine's
  const env = {
    ...process.env,
    PATH: `${binDir}:${process.env.PATH}`,
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
  };
  const migrate = spawnSync(
    bin("wrangler"),
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state],
    {
      env,
      encoding: "utf8",
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  // A benchmark is one client registering and signing in thousands of times from a few networks: the abuse
  // signals and a team's budgets would (rightly) stop it. They are measured by their own suites, not in the way.
  const benchVars = {
    ABUSE_SIGNUP_BURST: "100000/100000",
    ABUSE_NETWORK_LOGINS: "100000",
    // The load generators connect from 127.0.0.1 while sign-ins simulate a pool of client IPs: a bound session
    // would (rightly) refuse them. The binding check's own cost is measured by bench/binding.mjs.
    SESSION_BINDING: "off",
    TEAM_BUDGETS: ["logins", "mails", "invitations", "api_keys"]
      .flatMap((b) => [`FREE.${b}=10000000/h`, `FREE.${b}=10000000/d`])
      .join(","),
    ...vars,
  };
  const varArgs = Object.entries(benchVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    bin("wrangler"),
    [
      "dev",
      "bench/bench-worker.ts",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      state,
      ...varArgs,
    ],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  let exited = null;
  child.on("exit", (code) => (exited = code));
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${origin}/health/ready`)).ok) break;
    } catch {}
    if (exited !== null || Date.now() > deadline)
      throw new Error(`bench worker did not start:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    origin,
    log: () => log,
    cpuMs: () => workerdCpuMs(child.pid),
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system, ms) of every workerd process below `rootPid`. */
function workerdCpuMs(rootPid) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(rest[1]);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const cpu = (Number(rest[11]) + Number(rest[12])) * (1000 / CLK_TCK);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push({ pid: Number(entry), comm, cpu });
    } catch {}
  }
  let total = 0;
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) {
      if (c.comm.startsWith("workerd")) total += c.cpu;
      walk(c.pid);
    }
  };
  walk(rootPid);
  return total;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Runs `fn` `n` times sequentially; returns wall times (ms) and the workerd CPU per call (ms). */
export async function measure(worker, n, fn) {
  const walls = [];
  const cpuBefore = worker.cpuMs();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    walls.push(performance.now() - t);
  }
  // let asynchronous work the requests started (queue consumer, waitUntil) finish and be counted
  await new Promise((r) => setTimeout(r, 1500));
  return { walls, cpuPerCall: (worker.cpuMs() - cpuBefore) / n };
}
