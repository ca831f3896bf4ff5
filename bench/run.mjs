#!/usr/bin/env node
// `npm run bench`: Gatehouse's performance targets, measured inside workerd (wrangler dev) on this machine.
// Prints a table and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { auditBench } from "./audit.mjs";
import { authSuites } from "./auth-suites.mjs";
import { bindingBench } from "./binding.mjs";
import { eventsBench } from "./events.mjs";
import { healthVsPlain, hotPaths } from "./hot-paths.mjs";
import { measure, median, percentile, startBenchWorker } from "./lib.mjs";
import { loadTest } from "./load.mjs";
import { pagesBench } from "./pages.mjs";
import { virtuozzoBench } from "./virtuozzo.mjs";

const N = Number(process.env.BENCH_N ?? 40);
const results = [];
const report = (name, value, unit, target, note = "") => {
  const pass = target === undefined ? "" : target(value) ? "PASS" : "FAIL";
  results.push({ name, value: Number(value.toFixed(2)), unit, pass, note });
};

const worker = await startBenchWorker();
let devRatio = Number.NaN;
try {
  const { origin } = worker;
  // warm up: JIT, wasm instantiation, D1 connections
  for (let i = 0; i < 5; i++) {
    await fetch(`${origin}/__bench/hash`).then((r) => r.text());
    await fetch(`${origin}/__bench/noop`).then((r) => r.text());
  }

  // 1. Argon2id at the default parameters (m=19456 KiB, t=2, p=1), timed inside the Worker.
  const inWorker = [];
  await measure(worker, N, async () => {
    const body = await (await fetch(`${origin}/__bench/hash`)).json();
    inWorker.push(body.elapsed);
  });
  report("argon2id hash, median (in workerd)", median(inWorker), "ms", (v) => v <= 70, "target ≤ 70 ms");
  report("argon2id hash, p95 (in workerd)", percentile(inWorker, 95), "ms");

  // 2. The bare request round trip, to subtract from per-request CPU.
  const noop = await measure(worker, N * 5, () => fetch(`${origin}/__bench/noop`).then((r) => r.text()));
  report("request round trip CPU (no-op route)", noop.cpuPerCall, "ms");

  // 3. Registration (Door A), through the metered route: in-Worker wall time minus time waiting on bindings
  //    is the request's CPU (production does not bill I/O waits); minus the hash gives the overhead.
  const run = Date.now().toString(36);
  const compute = [];
  const computeInclBindings = [];
  const register = await measure(worker, N, async (i) => {
    const res = await fetch(`${origin}/__bench/metered/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": `10.9.${i >> 8}.${i & 255}` },
      body: JSON.stringify({
        email: `bench-${run}-${i}@example.com`,
        password: "violet-anchor-meadow-42",
        teamName: `Bench ${i}`,
        turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
      }),
    });
    const out = await res.json();
    if (out.status !== 201) throw new Error(`register answered ${out.status}: ${out.body}`);
    compute.push(out.wall - out.io - out.bindingSync);
    computeInclBindings.push(out.wall - out.io);
  });
  report("registration wall, median (client)", median(register.walls), "ms");
  report("registration CPU in the Worker, median", median(compute), "ms");
  report(
    "registration CPU beyond the hash, incl. binding call set-up",
    median(computeInclBindings) - median(inWorker),
    "ms",
    undefined,
    "local workerd sets up each simulated DO/D1 synchronously inside the call",
  );
  report(
    "registration CPU beyond the hash",
    median(compute) - median(inWorker),
    "ms",
    (v) => v <= 5,
    "target ≤ 5 ms (in-Worker time − binding calls − the median hash)",
  );

  const measured = await authSuites(worker, report, median(inWorker));
  await hotPaths(worker, report, measured);
  await loadTest(worker, report, measured);
  await bindingBench(worker, report);
  await virtuozzoBench(worker, report);
  await eventsBench(worker, report);
  await auditBench(worker, report);
  await pagesBench(worker, report);
  devRatio = await healthVsPlain(worker, report, "development logging (LOG_SAMPLE_RATE=1)");
} catch (error) {
  console.error(worker.log().slice(-3000));
  throw error;
} finally {
  await worker.stop();
}

// The same comparison with the production request-log setting: a second worker, only LOG_SAMPLE_RATE changed.
const productionLogging = await startBenchWorker({ port: 8798, vars: { LOG_SAMPLE_RATE: "0.1" } });
try {
  const prodRatio = await healthVsPlain(
    productionLogging,
    report,
    "production logging (LOG_SAMPLE_RATE=0.1)",
  );
  report(
    "/health / plain: production logging against development logging",
    prodRatio / devRatio,
    "×",
    undefined,
    "what sampling the request log wins back",
  );
} catch (error) {
  console.error(productionLogging.log().slice(-3000));
  throw error;
} finally {
  await productionLogging.stop();
}

const width = Math.max(...results.map((r) => r.name.length));
console.log(`\nGatehouse benchmarks (${N} samples each, ${new Date().toISOString()})\n`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(width)}  ${String(r.value).padStart(9)} ${r.unit.padEnd(3)} ${r.pass.padEnd(4)} ${r.note}`,
  );
}
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/latest.json", import.meta.url),
  JSON.stringify({ at: new Date().toISOString(), results }, null, 2),
);
if (results.some((r) => r.pass === "FAIL")) process.exitCode = 1;
