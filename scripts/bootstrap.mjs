#!/usr/bin/env node
// `npm run bootstrap -- --env staging|production [--location weur]`
//
// Creates what [env.X] of wrangler.toml names — the D1 database, the KV namespace, the queues and their dead
// letter queues — with wrangler, writes the D1 and KV ids into that section (a format-preserving edit), and sets
// the secrets Gatehouse can generate (ENCRYPTION_KEYS, JWT_SIGNING_KEYS, METRICS_TOKEN) with
// `wrangler secret put` (value on stdin). Idempotent: it lists first and never creates twice, never replaces a
// secret that is already set (a new ENCRYPTION_KEYS would make every sealed value unreadable). Ends with the
// secrets and settings a person must still provide. Commands go through an injected runner
// (test/node/bootstrap-script.test.mjs).
import { parseJsonOutput, parseOptions, runMain, ScriptError, stepper } from "./lib/cli.mjs";
import { GENERATED_SECRETS, PROVIDED_SECRETS } from "./lib/secrets.mjs";
import { isPlaceholderId, placeholdersIn, readEnvironment, writeIds } from "./lib/wrangler-config.mjs";

const LOCATIONS = ["weur", "eeur", "apac", "oc", "wnam", "enam"];

/** The id in a create command's config snippet (`database_id = "…"` / `"id": "…"`), if any. */
export function createdId(stdout, key) {
  return new RegExp(`(?<![\\w-])"?${key}"?\\s*[=:]\\s*"([0-9a-f-]{32,36})"`).exec(stdout)?.[1];
}

async function listJson(deps, args, what) {
  const step = stepper({ ...deps, log: () => {} });
  const result = await step(`list ${what}`, "npx", ["wrangler", ...args], { quiet: true });
  return parseJsonOutput(result.stdout, what);
}

/** The D1 database: the configured id if real (checked against the account), else found by name, else created. */
async function ensureDatabase(deps, step, { db, location }) {
  const list = await listJson(deps, ["d1", "list", "--json"], "the D1 databases");
  if (!isPlaceholderId(db.id)) {
    if (!list.some((d) => d.uuid === db.id)) {
      throw new ScriptError(
        `wrangler.toml names D1 ${db.id} for ${db.binding}, which this account does not have`,
      );
    }
    deps.log(`  D1 ${db.name}: ${db.id} (configured)`);
    return db.id;
  }
  const existing = list.find((d) => d.name === db.name);
  if (existing) {
    deps.log(`  D1 ${db.name}: ${existing.uuid} (exists)`);
    return existing.uuid;
  }
  const args = ["wrangler", "d1", "create", db.name, ...(location ? ["--location", location] : [])];
  const created = await step(`create D1 ${db.name}`, "npx", args);
  const id =
    createdId(created.stdout, "database_id") ??
    (await listJson(deps, ["d1", "list", "--json"], "the D1 databases")).find((d) => d.name === db.name)
      ?.uuid;
  if (!id) throw new ScriptError(`D1 ${db.name} was created but its id could not be read`);
  return id;
}

/** The KV namespace, titled `<worker>-<binding>` (e.g. gatehouse-staging-kv): configured, found or created. */
async function ensureNamespace(deps, step, { ns, workerName }) {
  const title = `${workerName}-${ns.binding.toLowerCase()}`;
  const list = await listJson(deps, ["kv", "namespace", "list"], "the KV namespaces");
  if (!isPlaceholderId(ns.id)) {
    if (!list.some((n) => n.id === ns.id)) {
      throw new ScriptError(
        `wrangler.toml names KV ${ns.id} for ${ns.binding}, which this account does not have`,
      );
    }
    deps.log(`  KV ${title}: ${ns.id} (configured)`);
    return ns.id;
  }
  const existing = list.find((n) => n.title === title);
  if (existing) {
    deps.log(`  KV ${title}: ${existing.id} (exists)`);
    return existing.id;
  }
  const created = await step(`create KV ${title}`, "npx", ["wrangler", "kv", "namespace", "create", title]);
  const id =
    createdId(created.stdout, "id") ??
    (await listJson(deps, ["kv", "namespace", "list"], "the KV namespaces")).find((n) => n.title === title)
      ?.id;
  if (!id) throw new ScriptError(`KV ${title} was created but its id could not be read`);
  return id;
}

/** A queue by name (wrangler.toml refers to queues by name: no id to write): `queues info`, else create. */
async function ensureQueue(deps, step, name) {
  const info = await deps.run("npx", ["wrangler", "queues", "info", name], { quiet: true });
  if (info.code === 0) {
    deps.log(`  queue ${name} (exists)`);
    return;
  }
  if (!/does not exist/i.test(`${info.stderr}${info.stdout}`)) {
    throw new ScriptError(`could not look up queue ${name} (wrangler queues info, exit ${info.code})`);
  }
  await step(`create queue ${name}`, "npx", ["wrangler", "queues", "create", name]);
}

/** The names of the Worker's secrets; none when the Worker does not exist yet. */
async function secretNames(deps, env) {
  const result = await deps.run("npx", ["wrangler", "secret", "list", "--env", env], { quiet: true });
  if (result.code !== 0) {
    if (/not found/i.test(`${result.stderr}${result.stdout}`)) return new Set();
    throw new ScriptError(`could not list the secrets (wrangler secret list, exit ${result.code})`);
  }
  return new Set(parseJsonOutput(result.stdout, "the secrets").map((s) => s.name));
}

export async function bootstrap(argv, deps) {
  const options = parseOptions(argv, { location: { type: "string" } });
  const { env, location } = options;
  if (location !== undefined && !LOCATIONS.includes(location)) {
    throw new ScriptError(`--location must be one of ${LOCATIONS.join(", ")}`);
  }
  const environment = readEnvironment(deps.configPath, env);
  const step = stepper(deps);
  deps.log(`Bootstrapping ${environment.workerName} (${env})`);

  const ids = { d1: [], kv: [] };
  for (const db of environment.d1) {
    ids.d1.push({ binding: db.binding, id: await ensureDatabase(deps, step, { db, location }) });
  }
  for (const ns of environment.kv) {
    ids.kv.push({
      binding: ns.binding,
      id: await ensureNamespace(deps, step, { ns, workerName: environment.workerName }),
    });
  }
  for (const queue of environment.queues) await ensureQueue(deps, step, queue);

  const changed = {
    d1: ids.d1.filter(({ binding, id }) => environment.d1.find((d) => d.binding === binding)?.id !== id),
    kv: ids.kv.filter(({ binding, id }) => environment.kv.find((k) => k.binding === binding)?.id !== id),
  };
  if (changed.d1.length + changed.kv.length > 0) {
    writeIds(deps.configPath, env, changed);
    deps.log(
      `  wrote ${changed.d1.length + changed.kv.length} id(s) into [env.${env}] of wrangler.toml: commit it`,
    );
  }

  const present = await secretNames(deps, env);
  for (const [name, generate] of Object.entries(GENERATED_SECRETS)) {
    if (present.has(name)) {
      deps.log(`  secret ${name}: already set (kept)`);
      continue;
    }
    await step(`set secret ${name} (generated)`, "npx", ["wrangler", "secret", "put", name, "--env", env], {
      input: await generate(),
    });
    present.add(name);
  }

  const missing = PROVIDED_SECRETS.filter((s) => !present.has(s.name));
  const left = placeholdersIn(readEnvironment(deps.configPath, env));
  deps.log(`\nStill to do for ${env}:`);
  for (const s of missing) {
    deps.log(
      `  ${s.required ? "required" : "optional"}: npx wrangler secret put ${s.name} --env ${env}  — ${s.what}`,
    );
  }
  for (const p of left) deps.log(`  edit wrangler.toml: ${p}`);
  if (missing.length === 0 && left.length === 0) deps.log("  nothing");
  deps.log(`Then: npm run deploy -- --env ${env} --immediate (the first deployment goes out all at once).`);
}

await runMain(import.meta, bootstrap);
