#!/usr/bin/env node
// `npm run build:check [-- --env production] [--json report.json]`: the deployment dry run, offline.
// 1. `wrangler deploy --dry-run --outdir <tmp>/out --outfile <tmp>/worker.bundle --env <env>`: the exact bundle a
//    deploy would upload (no network: nothing is uploaded).
// 2. Its size, raw and gzipped (the modules, without source maps, as wrangler measures it) against Workers'
//    limits: 3 MiB compressed on the free plan (warned), 10 MiB on the paid plan (fails).
// 3. Its startup time: `wrangler check startup --worker <bundle>` loads the bundle in a local workerd and writes a
//    CPU profile of the startup (module evaluation); the time is the profile's non-idle samples. Against the
//    platform's 1 s startup limit (fails; 400 ms, the historical limit, warned). A local CPU, not Cloudflare's:
//    read it as a trend and an order of magnitude.
// Run by `npm test` (so CI reports both) and by `npm run deploy` before anything is uploaded.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseOptions, runMain, ScriptError, stepper } from "./lib/cli.mjs";

const MIB = 1024 * 1024;
export const LIMITS = {
  gzipFree: 3 * MIB,
  gzipPaid: 10 * MIB,
  rawMax: 64 * MIB,
  startupMs: 1000,
  startupHistoricalMs: 400,
};

/** Size of the modules a dry run wrote (source maps and wrangler's README excluded), raw and gzipped together. */
export function bundleSize(outdir) {
  const files = readdirSync(outdir)
    .filter((f) => !f.endsWith(".map") && f !== "README.md")
    .sort();
  const contents = files.map((f) => readFileSync(join(outdir, f)));
  const all = Buffer.concat(contents);
  return { files, raw: all.length, gzip: gzipSync(all).length };
}

/**
 * The startup time in a V8 CPU profile (`check startup`'s output): the sum of the sampled intervals that were
 * not idle (module evaluation, compilation and garbage collection), and the profile's whole window, in ms.
 */
export function startupFromProfile(profile) {
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame?.functionName]));
  const samples = profile.samples ?? [];
  let active = 0;
  let gc = 0;
  (profile.timeDeltas ?? []).forEach((delta, i) => {
    const name = names.get(samples[i]);
    if (name === "(idle)") return;
    active += delta;
    if (name === "(garbage collector)") gc += delta;
  });
  return { activeMs: active / 1000, gcMs: gc / 1000, windowMs: (profile.endTime - profile.startTime) / 1000 };
}

/** The verdicts: failures (over a hard limit) and warnings (over a soft one). */
export function judge({ size, startup }) {
  const failures = [];
  const warnings = [];
  if (size.gzip > LIMITS.gzipPaid) failures.push("compressed bundle above the paid plan's 10 MiB");
  else if (size.gzip > LIMITS.gzipFree) warnings.push("compressed bundle above the free plan's 3 MiB");
  if (size.raw > LIMITS.rawMax) failures.push("uncompressed bundle above 64 MiB");
  if (startup.activeMs > LIMITS.startupMs) failures.push("startup above the 1 s limit");
  else if (startup.activeMs > LIMITS.startupHistoricalMs)
    warnings.push("startup above 400 ms (the former limit)");
  return { failures, warnings };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

export async function buildCheck(argv, deps) {
  const options = parseOptions(argv, { json: { type: "string" } }, { envRequired: false });
  const env = options.env ?? "production";
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-build-"));
  const step = stepper(deps);
  try {
    const started = Date.now();
    await step(
      "dry run",
      "npx",
      [
        "wrangler",
        "deploy",
        "--dry-run",
        "--env",
        env,
        "--outdir",
        join(dir, "out"),
        "--outfile",
        join(dir, "worker.bundle"),
      ],
      { quiet: true },
    );
    const size = bundleSize(join(dir, "out"));
    await step(
      "startup profile",
      "npx",
      [
        "wrangler",
        "check",
        "startup",
        "--worker",
        join(dir, "worker.bundle"),
        "--outfile",
        join(dir, "startup.cpuprofile"),
      ],
      { quiet: true },
    );
    const startup = startupFromProfile(JSON.parse(readFileSync(join(dir, "startup.cpuprofile"), "utf8")));
    const verdict = judge({ size, startup });
    deps.log(`Bundle (${env}): ${kib(size.raw)} raw, ${kib(size.gzip)} gzipped (${size.files.join(", ")})`);
    deps.log(
      `  limits: 3 MiB gzipped (free plan), 10 MiB (paid): ${((100 * size.gzip) / LIMITS.gzipPaid).toFixed(1)} % of the paid limit`,
    );
    deps.log(
      `Startup (local workerd): ${startup.activeMs.toFixed(1)} ms CPU (${startup.gcMs.toFixed(1)} ms GC) ` +
        `in a ${startup.windowMs.toFixed(1)} ms window; limit 1000 ms (400 ms historically)`,
    );
    for (const w of verdict.warnings) deps.log(`  ⚠ ${w}`);
    const report = { env, size, startup, limits: LIMITS, ...verdict, seconds: (Date.now() - started) / 1000 };
    if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    if (verdict.failures.length > 0)
      throw new ScriptError(`build check failed: ${verdict.failures.join("; ")}`);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await runMain(import.meta, buildCheck);
