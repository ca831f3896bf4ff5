// Reading wrangler.toml (with wrangler's own parser, so the scripts see exactly what wrangler will) and writing
// resource ids into one environment's section with a minimal, format-preserving text edit.
import { readFileSync, writeFileSync } from "node:fs";
import { experimental_readRawConfig } from "wrangler";
import { ScriptError } from "./cli.mjs";

/** A placeholder id: zeros (and dashes), the shape wrangler.toml ships with until the bootstrap runs. */
export const isPlaceholderId = (id) => typeof id !== "string" || /^[0-]*$/.test(id);

/** A host the repository ships as an example (`example.com` and its subdomains): a value a person must set. */
const isExampleOrigin = (value) => /(^|[./])example\.(com|org|net)(:\d+)?(\/|$)/.test(String(value ?? ""));

/** The raw configuration (wrangler's parser: comments, inheritance rules and all). */
export function readRawConfig(configPath) {
  return experimental_readRawConfig({ config: configPath }).rawConfig;
}

/** What the scripts need of one environment: its Worker, D1 databases, KV namespaces, queues and vars. */
export function readEnvironment(configPath, env) {
  const raw = readRawConfig(configPath);
  const section = raw.env?.[env];
  if (!section) throw new ScriptError(`wrangler.toml has no [env.${env}] section`);
  const producers = section.queues?.producers ?? [];
  const consumers = section.queues?.consumers ?? [];
  const queues = [
    ...producers.map((p) => p.queue),
    ...consumers.map((c) => c.queue),
    ...consumers.map((c) => c.dead_letter_queue).filter(Boolean),
  ];
  return {
    env,
    workerName: section.name ?? raw.name,
    d1: (section.d1_databases ?? []).map((d) => ({
      binding: d.binding,
      name: d.database_name,
      id: d.database_id,
      migrationsDir: d.migrations_dir ?? "migrations",
    })),
    kv: (section.kv_namespaces ?? []).map((k) => ({ binding: k.binding, id: k.id })),
    queues: [...new Set(queues)],
    vars: section.vars ?? {},
  };
}

/** What is still a placeholder in an environment: ids the bootstrap writes, origins a person sets. */
export function placeholdersIn(environment) {
  const found = [];
  for (const db of environment.d1) {
    if (isPlaceholderId(db.id)) found.push(`D1 database ${db.binding} (${db.name}): database_id`);
  }
  for (const ns of environment.kv) {
    if (isPlaceholderId(ns.id)) found.push(`KV namespace ${ns.binding}: id`);
  }
  for (const name of ["PUBLIC_ORIGIN", "CORS_ORIGINS"]) {
    const value = environment.vars[name];
    if (
      String(value ?? "")
        .split(",")
        .some(isExampleOrigin)
    )
      found.push(`vars.${name} (an example.com origin)`);
  }
  return found;
}

/**
 * Sets `key = "value"` in the one `[[header]]` block whose `matchKey = "matchValue"` (e.g. `database_id` in the
 * `[[env.staging.d1_databases]]` block with `binding = "DB"`), changing only that line's quoted value. Throws
 * unless exactly one such block holds exactly one such key.
 */
export function setBlockValue(text, { header, matchKey, matchValue, key, value }) {
  const lines = text.split("\n");
  const isHeader = (line) => /^\s*\[/.test(line);
  const headerLine = `[[${header}]]`;
  const hits = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim().replace(/\s*#.*$/, "") !== headerLine) continue;
    let end = i + 1;
    while (end < lines.length && !isHeader(lines[end])) end++;
    const body = lines.slice(i + 1, end);
    const matches = body.some((l) =>
      new RegExp(`^\\s*${matchKey}\\s*=\\s*"${matchValue}"\\s*(#.*)?$`).test(l),
    );
    if (matches) hits.push({ start: i + 1, end });
  }
  if (hits.length !== 1) {
    throw new ScriptError(`wrangler.toml: expected one [[${header}]] with ${matchKey} = "${matchValue}"`);
  }
  const { start, end } = hits[0];
  const keyPattern = new RegExp(`^(\\s*${key}\\s*=\\s*)"[^"]*"(.*)$`);
  const keyLines = [];
  for (let i = start; i < end; i++) if (keyPattern.test(lines[i])) keyLines.push(i);
  if (keyLines.length !== 1) {
    throw new ScriptError(
      `wrangler.toml: [[${header}]] (${matchKey} = "${matchValue}") has no single ${key}`,
    );
  }
  const at = keyLines[0];
  lines[at] = lines[at].replace(
    keyPattern,
    (_m, before, after) => `${before}${JSON.stringify(value)}${after}`,
  );
  return lines.join("\n");
}

/** Writes the ids into `[env.<env>]` of the file (only the changed values), then re-reads it to check. */
export function writeIds(configPath, env, { d1 = [], kv = [] }) {
  let text = readFileSync(configPath, "utf8");
  for (const { binding, id } of d1) {
    const header = `env.${env}.d1_databases`;
    text = setBlockValue(text, {
      header,
      matchKey: "binding",
      matchValue: binding,
      key: "database_id",
      value: id,
    });
  }
  for (const { binding, id } of kv) {
    const header = `env.${env}.kv_namespaces`;
    text = setBlockValue(text, { header, matchKey: "binding", matchValue: binding, key: "id", value: id });
  }
  writeFileSync(configPath, text);
  const after = readEnvironment(configPath, env);
  for (const { binding, id } of d1) {
    if (after.d1.find((d) => d.binding === binding)?.id !== id)
      throw new ScriptError(`D1 ${binding}: id not written`);
  }
  for (const { binding, id } of kv) {
    if (after.kv.find((k) => k.binding === binding)?.id !== id)
      throw new ScriptError(`KV ${binding}: id not written`);
  }
}
