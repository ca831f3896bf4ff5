// scripts/bootstrap.mjs with a recording runner and canned wrangler outputs: creates what is missing (and only
// that), writes the ids into the one environment's section of wrangler.toml without touching anything else,
// sets the generated secrets on stdin (never in an argument or a log), and a second run changes nothing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { bootstrap, createdId } from "../../scripts/bootstrap.mjs";
import { ScriptError } from "../../scripts/lib/cli.mjs";
import { readEnvironment } from "../../scripts/lib/wrangler-config.mjs";
import { envSection, fakeDeps, REPO_TOML, tomlCopy } from "./support/fake-wrangler.mjs";

const DB_ID = "6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5";
const KV_ID = "9a8b7c6d5e4f40312a1b2c3d4e5f6071";
const QUEUES = [
  "gatehouse-staging-email",
  "gatehouse-staging-import",
  "gatehouse-staging-email-dlq",
  "gatehouse-staging-import-dlq",
];

// wrangler 4's outputs for a TOML configuration (src/d1/create.ts, src/kv/index.ts: a config snippet)
const D1_CREATED = `✅ Successfully created DB 'gatehouse-staging' in region WEUR
Created your new D1 database.

To access your new D1 Database in your Worker, add the following snippet to your configuration file:
[[d1_databases]]
binding = "gatehouse_staging"
database_name = "gatehouse-staging"
database_id = "${DB_ID}"
`;
const KV_CREATED = `Resource location: remote
🌀 Creating namespace with title "gatehouse-staging-kv"
✨ Success!
To access your new KV Namespace in your Worker, add the following snippet to your configuration file:
[[kv_namespaces]]
binding = "gatehouse_staging_kv"
id = "${KV_ID}"
`;
const notExist = (name) => ({
  code: 1,
  stderr: `✘ [ERROR] Queue "${name}" does not exist. To create it, run: wrangler queues create ${name}`,
});
const freshAccount = [
  ["npx wrangler d1 list --json", { stdout: "[]" }],
  ["npx wrangler d1 create", { stdout: D1_CREATED }],
  ["npx wrangler kv namespace list", { stdout: "[]" }],
  ["npx wrangler kv namespace create", { stdout: KV_CREATED }],
  [/^npx wrangler queues info /, ({ args }) => notExist(args.at(-1))],
  ["npx wrangler secret list", { code: 1, stderr: 'Worker "gatehouse-staging" (env: staging) not found.' }],
];
const setUpAccount = [
  [
    "npx wrangler d1 list --json",
    { stdout: JSON.stringify([{ uuid: DB_ID, name: "gatehouse-staging", version: "production" }]) },
  ],
  [
    "npx wrangler kv namespace list",
    { stdout: JSON.stringify([{ id: KV_ID, title: "gatehouse-staging-kv" }]) },
  ],
  [/^npx wrangler queues info /, ({ args }) => ({ stdout: `Queue Name: ${args.at(-1)}\nQueue ID: 123\n` })],
  [
    "npx wrangler secret list",
    {
      stdout: JSON.stringify(
        ["ENCRYPTION_KEYS", "JWT_SIGNING_KEYS", "METRICS_TOKEN", "TURNSTILE_SECRET_KEY"].map((name) => ({
          name,
          type: "secret_text",
        })),
      ),
    },
  ],
];

describe("npm run bootstrap", () => {
  it("on a fresh account: creates the database, the namespace and the four queues, writes the ids, sets three secrets", async () => {
    const configPath = tomlCopy();
    const before = readFileSync(configPath, "utf8");
    const { deps, lines, calls, logs } = fakeDeps({ configPath, answers: freshAccount });
    await bootstrap(["--env", "staging", "--location", "weur"], deps);

    assert.deepEqual(lines(), [
      "npx wrangler d1 list --json",
      "npx wrangler d1 create gatehouse-staging --location weur",
      "npx wrangler kv namespace list",
      "npx wrangler kv namespace create gatehouse-staging-kv",
      ...QUEUES.flatMap((q) => [`npx wrangler queues info ${q}`, `npx wrangler queues create ${q}`]),
      "npx wrangler secret list --env staging",
      "npx wrangler secret put ENCRYPTION_KEYS --env staging",
      "npx wrangler secret put JWT_SIGNING_KEYS --env staging",
      "npx wrangler secret put METRICS_TOKEN --env staging",
    ]);

    // the ids, in [env.staging] only; every other line of the file is as it was
    const after = readFileSync(configPath, "utf8");
    const staging = readEnvironment(configPath, "staging");
    assert.equal(staging.d1[0].id, DB_ID);
    assert.equal(staging.kv[0].id, KV_ID);
    assert.equal(envSection(after, "production"), envSection(before, "production"));
    const changed = after.split("\n").filter((line, i) => line !== before.split("\n")[i]);
    assert.deepEqual(changed, [`database_id = "${DB_ID}"`, `id = "${KV_ID}"`]);

    // generated secrets: on stdin, well-formed, never in an argument or a log line
    const secrets = Object.fromEntries(
      calls.filter((c) => c.args[2] === "put").map((c) => [c.args[3], c.options.input]),
    );
    assert.match(secrets.ENCRYPTION_KEYS, /^k\d{8}:[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secrets.ENCRYPTION_KEYS.split(":")[1], "base64").length, 32);
    const jwks = JSON.parse(secrets.JWT_SIGNING_KEYS);
    assert.equal(jwks.keys[0].kid, jwks.current);
    assert.deepEqual([jwks.keys[0].kty, jwks.keys[0].crv, jwks.keys[0].alg], ["EC", "P-256", "ES256"]);
    assert.ok(jwks.keys[0].d.length > 40, "a private key");
    assert.ok(secrets.METRICS_TOKEN.length >= 40);
    const everything = [...calls.map((c) => c.line), ...logs].join("\n");
    for (const value of Object.values(secrets)) assert.ok(!everything.includes(value));
    for (const value of [jwks.keys[0].d, secrets.ENCRYPTION_KEYS.split(":")[1]])
      assert.ok(!everything.includes(value));

    // what a person still provides, and what to run next
    const told = logs.join("\n");
    assert.match(told, /required: npx wrangler secret put TURNSTILE_SECRET_KEY --env staging/);
    assert.match(told, /required: npx wrangler secret put EMAIL_API_KEY --env staging/);
    assert.match(told, /edit wrangler.toml: vars.PUBLIC_ORIGIN/);
    assert.match(told, /npm run deploy -- --env staging --immediate/);
  });

  it("run again on the set-up account: creates nothing, keeps every secret, leaves wrangler.toml as it is", async () => {
    const configPath = tomlCopy();
    await bootstrap(["--env", "staging"], fakeDeps({ configPath, answers: freshAccount }).deps);
    const once = readFileSync(configPath, "utf8");
    const { deps, lines, logs } = fakeDeps({ configPath, answers: setUpAccount });
    await bootstrap(["--env", "staging"], deps);
    assert.equal(readFileSync(configPath, "utf8"), once);
    assert.ok(!lines().some((l) => / create | secret put /.test(l)), lines().join("\n"));
    assert.match(logs.join("\n"), /secret ENCRYPTION_KEYS: already set \(kept\)/);
    assert.doesNotMatch(logs.join("\n"), /TURNSTILE_SECRET_KEY/);
  });

  it("resources that exist while wrangler.toml still has placeholders: found by name, ids written, nothing created", async () => {
    const configPath = tomlCopy();
    const { deps, lines } = fakeDeps({ configPath, answers: setUpAccount });
    await bootstrap(["--env", "staging"], deps);
    assert.ok(!lines().some((l) => / create /.test(l)));
    assert.equal(readEnvironment(configPath, "staging").d1[0].id, DB_ID);
    assert.equal(readEnvironment(configPath, "staging").kv[0].id, KV_ID);
  });

  it("stops on an id the account does not have, or on a queue look-up that fails otherwise", async () => {
    const configPath = tomlCopy((t) =>
      t.replace(
        envSection(t, "staging"),
        envSection(t, "staging").replace(/database_id = "[^"]*"/, `database_id = "${DB_ID}"`),
      ),
    );
    const stranger = fakeDeps({ configPath, answers: [["npx wrangler d1 list --json", { stdout: "[]" }]] });
    await assert.rejects(
      bootstrap(["--env", "staging"], stranger.deps),
      /names D1 .* which this account does not have/,
    );
    assert.deepEqual(stranger.lines(), ["npx wrangler d1 list --json"]);

    const answers = [
      [/^npx wrangler queues info /, { code: 1, stderr: "Authentication error [code: 10000]" }],
      ...setUpAccount,
    ];
    const denied = fakeDeps({ configPath: tomlCopy(), answers });
    await assert.rejects(
      bootstrap(["--env", "staging"], denied.deps),
      (e) => e instanceof ScriptError && /queue gatehouse-staging-email/.test(e.message),
    );
    assert.ok(!denied.lines().some((l) => l.includes("secret")));
  });

  it("reads a created id from the output, else from the list", async () => {
    assert.equal(createdId(D1_CREATED, "database_id"), DB_ID);
    assert.equal(createdId(KV_CREATED, "id"), KV_ID);
    assert.equal(createdId(`{"d1_databases":[{"database_id": "${DB_ID}"}]}`, "id"), undefined);
    let listed = 0;
    const answers = [
      [
        "npx wrangler d1 list --json",
        () => ({
          stdout: listed++ === 0 ? "[]" : JSON.stringify([{ uuid: DB_ID, name: "gatehouse-staging" }]),
        }),
      ],
      ["npx wrangler d1 create", { stdout: "✅ Successfully created DB 'gatehouse-staging'\n" }],
      ...freshAccount.slice(2),
    ];
    const configPath = tomlCopy();
    await bootstrap(["--env", "staging"], fakeDeps({ configPath, answers }).deps);
    assert.equal(readEnvironment(configPath, "staging").d1[0].id, DB_ID);
  });

  it("requires --env and leaves the repository's wrangler.toml alone", async () => {
    const before = readFileSync(REPO_TOML, "utf8");
    const { deps, calls } = fakeDeps({ configPath: tomlCopy() });
    await assert.rejects(bootstrap([], deps), /--env is required/);
    await assert.rejects(bootstrap(["--env", "staging", "--location", "mars"], deps), /--location must be/);
    assert.deepEqual(calls, []);
    assert.equal(readFileSync(REPO_TOML, "utf8"), before);
  });
});
