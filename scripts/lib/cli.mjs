// The shared plumbing of the deploy scripts (deploy, rollback, bootstrap, build-check): argument parsing, the
// one error type a script stops with, and the real dependencies (a command runner, fetch, sleep, a log) that the
// tests replace with their own (test/node/).
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";

export const ENVIRONMENTS = ["staging", "production"];

/** A script stops with this: the message is for the person at the terminal (never a secret value). */
export class ScriptError extends Error {}

/**
 * Parses argv with node:util's parseArgs; `--env staging|production` is required (there is no default, so a
 * slip of the finger never deploys to production).
 */
export function parseOptions(argv, options, { envRequired = true } = {}) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { env: { type: "string" }, ...options }, strict: true });
  } catch (error) {
    throw new ScriptError(error.message);
  }
  const values = parsed.values;
  if (values.env === undefined && envRequired) {
    throw new ScriptError(`--env is required: one of ${ENVIRONMENTS.join(", ")}`);
  }
  if (values.env !== undefined && !ENVIRONMENTS.includes(values.env)) {
    throw new ScriptError(`--env must be one of ${ENVIRONMENTS.join(", ")} (got "${values.env}")`);
  }
  return values;
}

/** A whole number option within [min, max], or the fallback when absent. */
export function intOption(value, name, { min, max, fallback }) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ScriptError(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

/** How a command is shown: what a person would type. */
export const commandLine = (cmd, args) =>
  [cmd, ...args].map((a) => (/^[\w@%./:=,-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");

/**
 * Runs commands in order through `deps.run`, stopping at the first that fails: `step(title, cmd, args)`
 * resolves to the command's result, or throws a ScriptError naming the step (and nothing after it runs).
 */
export function stepper(deps) {
  return async (title, cmd, args, options = {}) => {
    deps.log(`\n▶ ${title}: ${commandLine(cmd, args)}`);
    const result = await deps.run(cmd, args, options);
    if (result.code !== 0) {
      const detail = lastLines(`${result.stderr ?? ""}\n${result.stdout ?? ""}`);
      throw new ScriptError(
        `${title} failed (exit ${result.code}); stopped here.${detail ? `\n${detail}` : ""}`,
      );
    }
    return result;
  };
}

/** The last non-empty lines of a command's output, for an error message. */
export function lastLines(text, count = 6) {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-count)
    .join("\n");
}

/**
 * The JSON a wrangler command printed on stdout (`d1 list --json`, `kv namespace list`, `secret list`,
 * `deployments status --json`): the whole output, or from the first line that opens an array or object (a
 * banner or a notice may come first).
 */
export function parseJsonOutput(stdout, what) {
  const text = stdout.trim();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^[[{]/.test(lines[i].trim())) continue;
    try {
      return JSON.parse(lines.slice(i).join("\n"));
    } catch {
      // a line such as "[WARNING] …" opens with a bracket too: try the next one
    }
  }
  throw new ScriptError(`could not read ${what} from wrangler's output`);
}

const binDir = new URL("../../node_modules/.bin", import.meta.url).pathname;

/**
 * The real runner: spawns the command (node_modules/.bin first on PATH: wrangler needs the project's Node),
 * shows its output as it comes unless `quiet`, and resolves to `{ code, stdout, stderr }`. `input` is written to
 * the command's stdin (a secret's value: never on the command line, never logged); otherwise stdin is closed, so
 * wrangler runs non-interactively.
 */
export function spawnRunner() {
  return (cmd, args, { input, env = {}, quiet = false } = {}) =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, {
        stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        env: {
          WRANGLER_SEND_METRICS: "false",
          ...process.env,
          PATH: `${binDir}:${process.env.PATH}`,
          ...env,
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (!quiet) process.stdout.write(chunk);
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (!quiet) process.stderr.write(chunk);
      });
      if (input !== undefined) child.stdin.end(input);
      child.on("error", (error) => resolve({ code: 127, stdout, stderr: `${stderr}${error.message}` }));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
}

/** The dependencies of a real run. */
export function realDeps() {
  return {
    run: spawnRunner(),
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
    configPath: new URL("../../wrangler.toml", import.meta.url).pathname,
  };
}

/** Runs a script's main with the real dependencies when the file is executed (not when a test imports it). */
export async function runMain(meta, main) {
  if (!process.argv[1] || new URL(meta.url).pathname !== process.argv[1]) return;
  try {
    await main(process.argv.slice(2), realDeps());
  } catch (error) {
    if (!(error instanceof ScriptError)) throw error;
    console.error(`\n✖ ${error.message}`);
    process.exitCode = 1;
  }
}
