// scripts/build-check.mjs: the size and startup arithmetic, the limits, and the two wrangler commands it runs
// (a fake runner writes what wrangler would: the dry run's modules and the startup CPU profile). `npm test`
// also runs the real thing (`npm run build:check`).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { buildCheck, bundleSize, judge, LIMITS, startupFromProfile } from "../../scripts/build-check.mjs";
import { ScriptError } from "../../scripts/lib/cli.mjs";
import { fakeDeps } from "./support/fake-wrangler.mjs";

const profile = (deltas) => ({
  nodes: [
    { id: 1, callFrame: { functionName: "(root)" } },
    { id: 2, callFrame: { functionName: "(idle)" } },
    { id: 3, callFrame: { functionName: "(garbage collector)" } },
    { id: 4, callFrame: { functionName: "evaluate" } },
  ],
  startTime: 1_000_000,
  endTime: 1_000_000 + deltas.reduce((sum, [, d]) => sum + d, 0),
  samples: deltas.map(([node]) => node),
  timeDeltas: deltas.map(([, d]) => d),
});

/** A runner that plays wrangler: the dry run writes modules (and a map and README to ignore), check writes a profile. */
function wranglerDouble(moduleBytes, deltas) {
  return fakeDeps({
    configPath: "unused",
    answers: [
      [
        "npx wrangler deploy --dry-run",
        ({ args }) => {
          const out = args[args.indexOf("--outdir") + 1];
          mkdirSync(out, { recursive: true });
          writeFileSync(join(out, "index.js"), moduleBytes);
          writeFileSync(join(out, "index.js.map"), "x".repeat(5000));
          writeFileSync(join(out, "README.md"), "wrangler's note");
          writeFileSync(args[args.indexOf("--outfile") + 1], "bundle");
          return {};
        },
      ],
      [
        "npx wrangler check startup",
        ({ args }) => {
          writeFileSync(args[args.indexOf("--outfile") + 1], JSON.stringify(profile(deltas)));
          return {};
        },
      ],
    ],
  });
}

describe("npm run build:check", () => {
  it("startup time: the non-idle samples of the profile (garbage collection included)", () => {
    const s = startupFromProfile(
      profile([
        [4, 120_000],
        [2, 50_000],
        [3, 30_000],
        [1, 5_000],
      ]),
    );
    assert.deepEqual(s, { activeMs: 155, gcMs: 30, windowMs: 205 });
  });

  it("bundle size: the modules without source maps or README, gzipped together", () => {
    const dir = mkdtempSync(join(tmpdir(), "bc-"));
    writeFileSync(join(dir, "index.js"), "a".repeat(10_000));
    writeFileSync(join(dir, "x.wasm"), Buffer.alloc(2000, 7));
    writeFileSync(join(dir, "index.js.map"), "{}");
    writeFileSync(join(dir, "README.md"), "note");
    const size = bundleSize(dir);
    assert.deepEqual(size.files, ["index.js", "x.wasm"]);
    assert.equal(size.raw, 12_000);
    assert.equal(
      size.gzip,
      gzipSync(Buffer.concat([readFileSync(join(dir, "index.js")), readFileSync(join(dir, "x.wasm"))]))
        .length,
    );
  });

  it("limits: above 10 MiB gzipped or 1 s startup fails; above 3 MiB or 400 ms warns", () => {
    const ok = { size: { raw: 3e6, gzip: 1e6 }, startup: { activeMs: 150 } };
    assert.deepEqual(judge(ok), { failures: [], warnings: [] });
    const soft = judge({ size: { raw: 9e6, gzip: LIMITS.gzipFree + 1 }, startup: { activeMs: 401 } });
    assert.equal(soft.failures.length, 0);
    assert.equal(soft.warnings.length, 2);
    const hard = judge({ size: { raw: 30e6, gzip: LIMITS.gzipPaid + 1 }, startup: { activeMs: 1001 } });
    assert.equal(hard.failures.length, 2);
  });

  it("runs the dry run then the startup profile on its bundle, reports, and writes the JSON report", async () => {
    const { deps, lines, logs } = wranglerDouble("x".repeat(4096), [
      [4, 90_000],
      [2, 10_000],
    ]);
    const json = join(mkdtempSync(join(tmpdir(), "bc-")), "report.json");
    const report = await buildCheck(["--env", "staging", "--json", json], deps);
    const [dry, startup] = lines();
    assert.match(
      dry,
      /^npx wrangler deploy --dry-run --env staging --outdir \S+\/out --outfile (\S+\/worker\.bundle)$/,
    );
    const bundle = /--outfile (\S+)$/.exec(dry)[1];
    assert.match(
      startup,
      new RegExp(`^npx wrangler check startup --worker ${bundle} --outfile \\S+\\.cpuprofile$`),
    );
    assert.equal(report.size.raw, 4096);
    assert.equal(report.startup.activeMs, 90);
    assert.deepEqual(JSON.parse(readFileSync(json, "utf8")).size, report.size);
    assert.match(logs.join("\n"), /Startup \(local workerd\): 90\.0 ms CPU/);
  });

  it("fails a startup above the limit, and stops when the dry run fails", async () => {
    const slow = wranglerDouble("x", [[4, 1_200_000]]);
    await assert.rejects(
      buildCheck([], slow.deps),
      (e) => e instanceof ScriptError && /startup above the 1 s limit/.test(e.message),
    );
    const broken = fakeDeps({
      configPath: "unused",
      answers: [["npx wrangler deploy", { code: 1, stderr: "✘ [ERROR] Build failed" }]],
    });
    await assert.rejects(buildCheck([], broken.deps), /dry run failed[\s\S]*Build failed/);
    assert.equal(broken.lines().length, 1);
  });
});
