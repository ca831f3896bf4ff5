// Test doubles for the deploy scripts: a runner that records each command and answers from a script of canned
// wrangler outputs, a fetch that answers /health/ready with scripted statuses, a sleep that only records, and a
// copy of wrangler.toml to edit. Nothing here reaches Cloudflare.
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO_TOML = new URL("../../../wrangler.toml", import.meta.url).pathname;
export const STAGING_DB = "5c1e2b7a-93d4-4f0e-8a61-2f7d9c3b4e10";
export const STAGING_KV = "0f3a9b2c7d4e4f1a8b6c5d2e9f0a1b3c";

/** A copy of the repository's wrangler.toml in a temp dir, optionally edited. */
export function tomlCopy(edit = (text) => text) {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-toml-"));
  const path = join(dir, "wrangler.toml");
  copyFileSync(REPO_TOML, path);
  // the migrations beside it, as in the repository (the deploy checks them: expand-only)
  symlinkSync(new URL("../../../migrations", import.meta.url).pathname, join(dir, "migrations"));
  writeFileSync(path, edit(readFileSync(path, "utf8")));
  return path;
}

/** The text of [env.<env>] up to the next environment (or the end). */
export function envSection(text, env) {
  const start = text.indexOf(`[env.${env}]`);
  const next = text.slice(start + 1).search(/\n\[env\.(?!.*\.)[a-z]+\]\n/);
  return next === -1 ? text.slice(start) : text.slice(start, start + 1 + next);
}

/** wrangler.toml with [env.<env>] ready to deploy: real-looking ids, own origins. */
export function readyToml(env = "staging") {
  return tomlCopy((text) => {
    const section = envSection(text, env);
    const ready = section
      .replace('database_id = "00000000-0000-0000-0000-000000000000"', `database_id = "${STAGING_DB}"`)
      .replace('id = "00000000000000000000000000000000"', `id = "${STAGING_KV}"`)
      .replaceAll(/https:\/\/([a-z.]*)example\.com/g, "https://$1gatehouse.test");
    return text.replace(section, ready);
  });
}

/**
 * A runner answering from `answers`: [matcher, answer] pairs tried in order, where the matcher is a string the
 * command line starts with or a RegExp, and the answer `{ code, stdout, stderr }` (defaults: 0, "", "") or a
 * function of the call. Unmatched commands succeed silently.
 */
export function fakeDeps({ configPath, answers = [], health = [] }) {
  const calls = [];
  const logs = [];
  const fetches = [];
  const sleeps = [];
  const statuses = [...health];
  const run = async (cmd, args, options = {}) => {
    const call = { cmd, args, options, line: [cmd, ...args].join(" ") };
    calls.push(call);
    for (const [matcher, answer] of answers) {
      const hit = typeof matcher === "string" ? call.line.startsWith(matcher) : matcher.test(call.line);
      if (!hit) continue;
      const value = typeof answer === "function" ? await answer(call) : answer;
      return { code: 0, stdout: "", stderr: "", ...value };
    }
    return { code: 0, stdout: "", stderr: "" };
  };
  const fetch = async (url, init = {}) => {
    fetches.push({ url: String(url), headers: { ...(init.headers ?? {}) } });
    const status = statuses.length > 1 ? statuses.shift() : (statuses[0] ?? 200);
    return new Response(status === 200 ? '{"status":"ok"}' : "{}", { status });
  };
  const deps = {
    run,
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (line) => logs.push(line),
    configPath,
  };
  return { deps, calls, logs, fetches, sleeps, lines: () => calls.map((c) => c.line) };
}
