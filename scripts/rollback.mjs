#!/usr/bin/env node
// `npm run rollback -- --env staging|production [--version <id>] [--message "why"] [--url https://…]`
//
// `wrangler rollback`: 100 % of the traffic at once to the given version, or to the version of the deployment
// before the live one. Code only: D1 migrations are NOT rolled back (they are expand-only, so the older code runs
// on the newer schema; a bad migration is fixed by a new, forward migration — docs/deployment.md). Wrangler
// refuses a rollback across a Durable Object migration or to a version bound to a deleted KV namespace or queue.
import { intOption, parseOptions, runMain, ScriptError, stepper } from "./lib/cli.mjs";
import { checkHealth } from "./lib/health.mjs";
import { readEnvironment } from "./lib/wrangler-config.mjs";

export async function rollback(argv, deps) {
  const options = parseOptions(argv, {
    version: { type: "string" },
    message: { type: "string" },
    url: { type: "string" },
    attempts: { type: "string" },
  });
  const { env } = options;
  if (options.version !== undefined && !/^[0-9a-f-]{36}$/.test(options.version)) {
    throw new ScriptError(
      `--version must be a version id (a UUID; see \`npx wrangler versions list --env ${env}\`)`,
    );
  }
  const attempts = intOption(options.attempts, "attempts", { min: 1, max: 60, fallback: 6 });
  const environment = readEnvironment(deps.configPath, env);
  const step = stepper(deps);
  const message = options.message ?? "rollback (npm run rollback)";
  await step("rollback", "npx", [
    "wrangler",
    "rollback",
    ...(options.version ? [options.version] : []),
    "--env",
    env,
    "--message",
    message,
    "--yes",
  ]);
  deps.log("Note: D1 migrations are not rolled back (forward fixes only: docs/deployment.md).");
  const base = options.url ?? String(environment.vars.PUBLIC_ORIGIN);
  const health = await checkHealth(deps, { base, workerName: environment.workerName, attempts });
  if (!health.ok) {
    throw new ScriptError(
      `rolled back, but ${base}/health/ready answers ${health.status || "nothing"} (runbook: README)`,
    );
  }
  deps.log(`\n✔ ${environment.workerName} (${env}) rolled back`);
}

await runMain(import.meta, rollback);
