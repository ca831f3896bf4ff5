#!/usr/bin/env node
// `npm run deploy -- --env staging|production [--immediate] [--percentage 10] [--soak 300] [--url https://…]`
//
// 1. refuses while wrangler.toml still holds placeholders (run `npm run bootstrap -- --env X` first);
// 2. checks without tests: the client build, the typecheck, the bundle dry run (size and startup time);
// 3. applies the D1 migrations REMOTELY, before any new code takes traffic (migrations are expand-only:
//    the running version keeps working on the migrated schema, docs/deployment.md);
// 4. gradual (default): uploads a version (`wrangler versions upload`), sends it --percentage of the traffic
//    beside the live version, checks /health/ready of the new version (pinned with the version-override header),
//    waits --soak seconds and checks again, then sends it 100 %. A failed check puts 100 % back on the previous
//    version and stops. --immediate: `wrangler deploy` (all traffic at once; needed for the first deployment
//    and for a release that adds a Durable Object class), then the health check.
// Every command goes through an injected runner (test/node/deploy-script.test.mjs asserts them in order).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  commandLine,
  intOption,
  lastLines,
  parseJsonOutput,
  parseOptions,
  runMain,
  ScriptError,
  stepper,
} from "./lib/cli.mjs";
import { checkHealth } from "./lib/health.mjs";
import { unmarkedContractions } from "./lib/migrations.mjs";
import { placeholdersIn, readEnvironment } from "./lib/wrangler-config.mjs";

const DEFAULT_SOAK = { staging: 0, production: 300 };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** Refuses an environment whose ids or origins are still placeholders. */
export function assertReady(environment) {
  const left = placeholdersIn(environment);
  if (left.length === 0) return;
  throw new ScriptError(
    [
      `wrangler.toml [env.${environment.env}] still holds placeholders:`,
      ...left.map((p) => `  - ${p}`),
      `Run \`npm run bootstrap -- --env ${environment.env}\` (it creates the resources and writes their ids), and set`,
      `PUBLIC_ORIGIN / CORS_ORIGINS in [env.${environment.env}.vars] to your own origins.`,
    ].join("\n"),
  );
}

/** Refuses a release whose migrations would break the running version (scripts/lib/migrations.mjs). */
export function assertExpandOnly(configPath, environment) {
  const dir = join(dirname(configPath), environment.d1[0]?.migrationsDir ?? "migrations");
  const found = unmarkedContractions(dir);
  if (found.length === 0) return;
  throw new ScriptError(
    [
      "these migrations contract the schema, which would break the version still serving while they apply:",
      ...found.map(({ file, statements }) => `  - ${file}: ${statements.join("; ")}`),
      "Ship the contraction in a later release, in a file marked `-- contract: <why it is safe now>` (docs/deployment.md).",
    ].join("\n"),
  );
}

/** The checks a deploy runs first (no tests: those ran in CI): client build, typecheck, bundle dry run. */
async function preflight(step, env) {
  await step("client build", "node", ["scripts/build-client.mjs"]);
  await step("typecheck", "npx", ["tsc", "--noEmit"]);
  await step("bundle check", "node", ["scripts/build-check.mjs", "--env", env]);
}

/** The live deployment's versions (`wrangler deployments status --json`), or [] when there is none yet. */
async function liveVersions(deps, env) {
  const result = await deps.run("npx", ["wrangler", "deployments", "status", "--json", "--env", env], {
    quiet: true,
  });
  if (result.code !== 0) {
    if (/has no deployments|does not exist|not found/i.test(`${result.stderr}${result.stdout}`)) return [];
    throw new ScriptError(
      `could not read the live deployment (wrangler deployments status, exit ${result.code})`,
    );
  }
  const status = parseJsonOutput(result.stdout, "the live deployment");
  return (status.versions ?? []).map((v) => ({ id: v.version_id, percentage: v.percentage }));
}

/** The version id `wrangler versions upload` reported: its output file entry, else its "Worker Version ID:" line. */
export function uploadedVersionId(outputFile, stdout) {
  let text = "";
  try {
    text = readFileSync(outputFile, "utf8");
  } catch {
    // no output file: read stdout
  }
  for (const line of text.split("\n").filter(Boolean)) {
    const entry = JSON.parse(line);
    if (entry.type === "version-upload" && entry.version_id) return entry.version_id;
  }
  const id = new RegExp(`Worker Version ID:\\s*(${UUID.source})`).exec(stdout)?.[1];
  if (!id) throw new ScriptError("the upload did not report a version id");
  return id;
}

async function revision(deps) {
  const result = await deps.run("git", ["rev-parse", "--short=12", "HEAD"], { quiet: true });
  return result.code === 0 ? result.stdout.trim() : "unknown";
}

async function gradual(ctx, previous) {
  const { deps, step, env, options, environment, rev } = ctx;
  const out = mkdtempSync(join(tmpdir(), "gatehouse-deploy-"));
  let versionId;
  try {
    const args = [
      "wrangler",
      "versions",
      "upload",
      "--env",
      env,
      "--tag",
      rev,
      "--message",
      `gatehouse ${rev}`,
    ];
    deps.log(`\n▶ upload a new version: ${commandLine("npx", args)}`);
    const outputFile = join(out, "wrangler-output.ndjson");
    const upload = await deps.run("npx", args, { env: { WRANGLER_OUTPUT_FILE_PATH: outputFile } });
    if (upload.code !== 0) {
      const text = `${upload.stderr}${upload.stdout}`;
      if (/pending Durable Object migration/i.test(text)) {
        throw new ScriptError(
          "this release carries a Durable Object migration (a new class), which a version upload cannot apply.\n" +
            `Deploy it all at once: \`npm run deploy -- --env ${env} --immediate\` (the D1 migrations are already applied).`,
        );
      }
      throw new ScriptError(
        `upload failed (exit ${upload.code}); stopped here. Nothing was deployed.\n${lastLines(text)}`,
      );
    }
    versionId = uploadedVersionId(outputFile, upload.stdout);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const { percentage, soak } = options;
  const backToPrevious = async (why) => {
    await step("back to the previous version", "npx", [
      "wrangler",
      "versions",
      "deploy",
      `${previous}@100%`,
      "--env",
      env,
      "--yes",
      "--message",
      why,
    ]);
    throw new ScriptError(`${why}: 100 % is back on ${previous}; ${versionId} serves nothing.`);
  };
  await step(`${percentage} % to the new version`, "npx", [
    "wrangler",
    "versions",
    "deploy",
    `${versionId}@${percentage}%`,
    `${previous}@${100 - percentage}%`,
    "--env",
    env,
    "--yes",
    "--message",
    `gatehouse ${rev}: ${percentage} %`,
  ]);
  const pinned = { base: ctx.base, workerName: environment.workerName, versionId };
  if (!(await checkHealth(deps, pinned)).ok) await backToPrevious(`health check of ${versionId} failed`);
  if (soak > 0) {
    deps.log(`  soaking ${soak} s at ${percentage} % (watch the dashboard: errors, login outcomes, p95)`);
    await deps.sleep(soak * 1000);
    if (!(await checkHealth(deps, pinned)).ok)
      await backToPrevious(`health check of ${versionId} failed after the soak`);
  }
  await step("100 % to the new version", "npx", [
    "wrangler",
    "versions",
    "deploy",
    `${versionId}@100%`,
    "--env",
    env,
    "--yes",
    "--message",
    `gatehouse ${rev}`,
  ]);
  return versionId;
}

export async function deploy(argv, deps) {
  const options = parseOptions(argv, {
    immediate: { type: "boolean", default: false },
    percentage: { type: "string" },
    soak: { type: "string" },
    url: { type: "string" },
  });
  const env = options.env;
  const percentage = intOption(options.percentage, "percentage", { min: 1, max: 99, fallback: 10 });
  const soak = intOption(options.soak, "soak", { min: 0, max: 3600, fallback: DEFAULT_SOAK[env] });
  const environment = readEnvironment(deps.configPath, env);
  assertReady(environment);
  assertExpandOnly(deps.configPath, environment);
  const base = options.url ?? String(environment.vars.PUBLIC_ORIGIN);
  const step = stepper(deps);
  deps.log(
    `Deploying ${environment.workerName} (${env}) — ${options.immediate ? "all at once" : "gradually"}`,
  );

  await preflight(step, env);
  const live = options.immediate ? [] : await liveVersions(deps, env);
  if (!options.immediate && live.length !== 1) {
    throw new ScriptError(
      live.length === 0
        ? `${environment.workerName} has no deployment yet: the first one goes out all at once (--immediate).`
        : `the live deployment still splits traffic (${live.map((v) => `${v.id}@${v.percentage}%`).join(", ")}): ` +
            `finish it (\`npx wrangler versions deploy <id>@100% --env ${env}\`) or roll back first.`,
    );
  }
  await step("D1 migrations (remote, before any new code)", "npx", [
    "wrangler",
    "d1",
    "migrations",
    "apply",
    "DB",
    "--remote",
    "--env",
    env,
  ]);
  const rev = await revision(deps);
  const ctx = { deps, step, env, options: { percentage, soak }, environment, rev, base };
  if (options.immediate) {
    await step("deploy (all at once)", "npx", [
      "wrangler",
      "deploy",
      "--env",
      env,
      "--message",
      `gatehouse ${rev}`,
    ]);
  } else {
    await gradual(ctx, live[0].id);
  }
  const final = await checkHealth(deps, { base, workerName: environment.workerName });
  if (!final.ok) {
    throw new ScriptError(
      `deployed, but ${base}/health/ready answers ${final.status || "nothing"}: ` +
        `roll back with \`npm run rollback -- --env ${env}\` if it does not recover.`,
    );
  }
  deps.log(`\n✔ ${environment.workerName} (${env}) deployed: ${rev}`);
}

await runMain(import.meta, deploy);
