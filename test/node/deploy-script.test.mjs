// scripts/deploy.mjs and scripts/rollback.mjs with a recording runner: the exact commands, in order, for each
// mode; the refusal while placeholders remain; the stop at a failed step (no deploy after a failed migration);
// the way back when the new version's health check fails.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { deploy } from "../../scripts/deploy.mjs";
import { ScriptError } from "../../scripts/lib/cli.mjs";
import { rollback } from "../../scripts/rollback.mjs";
import { fakeDeps, readyToml, tomlCopy } from "./support/fake-wrangler.mjs";

const OLD = "11111111-1111-4111-8111-111111111111";
const NEW = "22222222-2222-4222-8222-222222222222";
const REV = "abc123def456";
const live = (...versions) => ({
  stdout: JSON.stringify({
    id: "dep-1",
    versions: versions.map(([version_id, percentage]) => ({ version_id, percentage })),
  }),
});
const uploadWritingOutputFile = ({ options }) => {
  // what wrangler does with WRANGLER_OUTPUT_FILE_PATH: one ND-JSON entry per event
  const entry = { type: "version-upload", version: 1, worker_name: "gatehouse-staging", version_id: NEW };
  return import("node:fs").then(({ writeFileSync }) => {
    writeFileSync(options.env.WRANGLER_OUTPUT_FILE_PATH, `${JSON.stringify(entry)}\n`);
    return { stdout: "Uploaded gatehouse-staging (3.2 sec)\n" };
  });
};
const baseAnswers = [
  ["npx wrangler deployments status", live([OLD, 100])],
  ["git rev-parse", { stdout: `${REV}\n` }],
  ["npx wrangler versions upload", uploadWritingOutputFile],
];
const PREFLIGHT = [
  "node scripts/build-client.mjs",
  "npx tsc --noEmit",
  "node scripts/build-check.mjs --env staging",
];
const MIGRATE = "npx wrangler d1 migrations apply DB --remote --env staging";

const rejects = (promise, pattern) =>
  assert.rejects(promise, (error) => error instanceof ScriptError && pattern.test(error.message));

describe("npm run deploy", () => {
  it("requires --env (no default) and only staging or production", async () => {
    const { deps, calls } = fakeDeps({ configPath: readyToml() });
    await rejects(deploy([], deps), /--env is required/);
    await rejects(deploy(["--env", "prod"], deps), /one of staging, production/);
    await rejects(deploy(["--env", "staging", "--percentage", "100"], deps), /--percentage must be/);
    assert.deepEqual(calls, []);
  });

  it("refuses while wrangler.toml holds placeholder ids or example origins, before running anything", async () => {
    const { deps, calls } = fakeDeps({ configPath: tomlCopy() });
    await rejects(
      deploy(["--env", "production"], deps),
      /database_id[\s\S]*KV namespace KV: id[\s\S]*PUBLIC_ORIGIN[\s\S]*npm run bootstrap -- --env production/,
    );
    assert.deepEqual(calls, []);
  });

  it("refuses migrations that contract the schema (unless marked), before running anything", async () => {
    const configPath = readyToml();
    const dir = join(dirname(configPath), "own-migrations");
    mkdirSync(dir);
    writeFileSync(join(dir, "0001_init.sql"), "CREATE TABLE `a` (`id` text, `old` text);");
    writeFileSync(join(dir, "0002_drop.sql"), "ALTER TABLE `a` DROP COLUMN `old`;");
    writeFileSync(
      configPath,
      readFileSync(configPath, "utf8").replaceAll(
        'migrations_dir = "migrations"',
        'migrations_dir = "own-migrations"',
      ),
    );
    const { deps, calls } = fakeDeps({ configPath, answers: baseAnswers });
    await rejects(
      deploy(["--env", "staging"], deps),
      /0002_drop.sql: ALTER TABLE `a` DROP COLUMN `old`[\s\S]*-- contract:/,
    );
    assert.deepEqual(calls, []);
    writeFileSync(
      join(dir, "0002_drop.sql"),
      "-- contract: release 7 stopped reading `old`\nALTER TABLE `a` DROP COLUMN `old`;",
    );
    await deploy(["--env", "staging"], deps);
    assert.ok(calls.some((c) => c.line === MIGRATE));
  });

  it("gradual: checks, migrations first, upload, 10 % beside the live version, pinned health check, 100 %", async () => {
    const { deps, lines, fetches, sleeps } = fakeDeps({ configPath: readyToml(), answers: baseAnswers });
    await deploy(["--env", "staging"], deps);
    assert.deepEqual(lines(), [
      ...PREFLIGHT,
      "npx wrangler deployments status --json --env staging",
      MIGRATE,
      "git rev-parse --short=12 HEAD",
      `npx wrangler versions upload --env staging --tag ${REV} --message gatehouse ${REV}`,
      `npx wrangler versions deploy ${NEW}@10% ${OLD}@90% --env staging --yes --message gatehouse ${REV}: 10 %`,
      `npx wrangler versions deploy ${NEW}@100% --env staging --yes --message gatehouse ${REV}`,
    ]);
    // the first check is pinned to the new version, the last one is not
    assert.equal(fetches.length, 2);
    assert.equal(fetches[0].url, "https://auth.staging.gatehouse.test/health/ready");
    assert.equal(fetches[0].headers["Cloudflare-Workers-Version-Overrides"], `gatehouse-staging="${NEW}"`);
    assert.equal(fetches[1].headers["Cloudflare-Workers-Version-Overrides"], undefined);
    assert.deepEqual(sleeps, [], "staging does not soak by default");
  });

  it("production soaks 300 s at the first step and checks again; --percentage and --url are honoured", async () => {
    const configPath = readyToml("production");
    const answers = [["npx wrangler deployments status", live([OLD, 100])], ...baseAnswers.slice(1)];
    const { deps, lines, fetches, sleeps } = fakeDeps({ configPath, answers });
    await deploy(["--env", "production", "--percentage", "25", "--url", "https://gh.internal.test"], deps);
    assert.ok(
      lines().includes(
        `npx wrangler versions deploy ${NEW}@25% ${OLD}@75% --env production --yes --message gatehouse ${REV}: 25 %`,
      ),
    );
    assert.deepEqual(sleeps, [300_000]);
    assert.equal(fetches.length, 3);
    assert.ok(fetches.every((f) => f.url === "https://gh.internal.test/health/ready"));
    assert.equal(fetches[1].headers["Cloudflare-Workers-Version-Overrides"], `gatehouse="${NEW}"`);
  });

  it("a failed migration stops the deploy: nothing is uploaded or deployed", async () => {
    const answers = [
      [MIGRATE, { code: 1, stderr: "✘ [ERROR] Migration 0012_email_health.sql failed\n" }],
      ...baseAnswers,
    ];
    const { deps, lines, fetches } = fakeDeps({ configPath: readyToml(), answers });
    await rejects(
      deploy(["--env", "staging"], deps),
      /D1 migrations .* failed \(exit 1\); stopped here[\s\S]*0012/,
    );
    assert.equal(lines().at(-1), MIGRATE);
    assert.ok(!lines().some((l) => l.includes("versions") || l.startsWith("npx wrangler deploy ")));
    assert.deepEqual(fetches, []);
  });

  it("a failed check stops before the migrations", async () => {
    const answers = [["npx tsc", { code: 2, stdout: "src/x.ts(1,1): error TS2304\n" }], ...baseAnswers];
    const { deps, lines } = fakeDeps({ configPath: readyToml(), answers });
    await rejects(deploy(["--env", "staging"], deps), /typecheck failed \(exit 2\)[\s\S]*TS2304/);
    assert.deepEqual(lines(), PREFLIGHT.slice(0, 2));
  });

  it("the new version failing its health check puts 100 % back on the previous version", async () => {
    const { deps, lines, sleeps } = fakeDeps({
      configPath: readyToml(),
      answers: baseAnswers,
      health: [503],
    });
    await rejects(
      deploy(["--env", "staging"], deps),
      new RegExp(`health check of ${NEW} failed: 100 % is back on ${OLD}`),
    );
    assert.deepEqual(lines().slice(-2), [
      `npx wrangler versions deploy ${NEW}@10% ${OLD}@90% --env staging --yes --message gatehouse ${REV}: 10 %`,
      `npx wrangler versions deploy ${OLD}@100% --env staging --yes --message health check of ${NEW} failed`,
    ]);
    assert.equal(sleeps.length, 5, "six attempts, five waits");
  });

  it("--immediate: checks, migrations, then `wrangler deploy` and the health check", async () => {
    const { deps, lines, fetches } = fakeDeps({ configPath: readyToml(), answers: baseAnswers });
    await deploy(["--env", "staging", "--immediate"], deps);
    assert.deepEqual(lines(), [
      ...PREFLIGHT,
      MIGRATE,
      "git rev-parse --short=12 HEAD",
      `npx wrangler deploy --env staging --message gatehouse ${REV}`,
    ]);
    assert.equal(fetches.length, 1);
  });

  it("the first deployment and a release with a Durable Object migration are sent to --immediate", async () => {
    const first = fakeDeps({
      configPath: readyToml(),
      answers: [
        [
          "npx wrangler deployments status",
          { code: 1, stderr: "The Worker gatehouse-staging has no deployments." },
        ],
      ],
    });
    await rejects(deploy(["--env", "staging"], first.deps), /no deployment yet.*--immediate/);
    assert.ok(!first.lines().includes(MIGRATE), "refused before the migrations");

    const pending =
      "This Worker has a pending Durable Object migration, which cannot be applied by `wrangler versions upload`.";
    const withDo = fakeDeps({
      configPath: readyToml(),
      answers: [["npx wrangler versions upload", { code: 1, stderr: pending }], ...baseAnswers],
    });
    await rejects(deploy(["--env", "staging"], withDo.deps), /Durable Object migration[\s\S]*--immediate/);
    assert.ok(!withDo.lines().some((l) => l.startsWith("npx wrangler versions deploy")));
  });

  it("a failed upload stops with wrangler's reason and deploys nothing", async () => {
    const answers = [
      [
        "npx wrangler versions upload",
        { code: 1, stderr: "✘ [ERROR] A request to the Cloudflare API failed. [code: 10000]" },
      ],
      ...baseAnswers,
    ];
    const { deps, lines } = fakeDeps({ configPath: readyToml(), answers });
    await rejects(deploy(["--env", "staging"], deps), /upload failed \(exit 1\)[\s\S]*code: 10000/);
    assert.ok(!lines().some((l) => l.startsWith("npx wrangler versions deploy")));
  });

  it("refuses while the live deployment still splits traffic", async () => {
    const answers = [["npx wrangler deployments status", live([NEW, 10], [OLD, 90])], ...baseAnswers];
    const { deps, lines } = fakeDeps({ configPath: readyToml(), answers });
    await rejects(deploy(["--env", "staging"], deps), /still splits traffic/);
    assert.ok(!lines().includes(MIGRATE));
  });

  it("reads the version id from wrangler's output when there is no output file", async () => {
    const answers = [
      [
        "npx wrangler versions upload",
        { stdout: `Uploaded gatehouse-staging (2.9 sec)\nWorker Version ID: ${NEW}\n` },
      ],
      ...baseAnswers,
    ];
    const { deps, lines } = fakeDeps({ configPath: readyToml(), answers });
    await deploy(["--env", "staging"], deps);
    assert.ok(
      lines().includes(
        `npx wrangler versions deploy ${NEW}@100% --env staging --yes --message gatehouse ${REV}`,
      ),
    );
  });
});

describe("npm run rollback", () => {
  it("rolls back to the previous deployment, or to --version, then checks health", async () => {
    const a = fakeDeps({ configPath: readyToml() });
    await rollback(["--env", "staging"], a.deps);
    assert.deepEqual(a.lines(), [
      "npx wrangler rollback --env staging --message rollback (npm run rollback) --yes",
    ]);
    assert.equal(a.fetches.length, 1);
    assert.ok(a.logs.some((l) => /D1 migrations are not rolled back/.test(l)));

    const b = fakeDeps({ configPath: readyToml("production") });
    await rollback(["--env", "production", "--version", OLD, "--message", "bad release"], b.deps);
    assert.deepEqual(b.lines(), [
      `npx wrangler rollback ${OLD} --env production --message bad release --yes`,
    ]);
  });

  it("refuses a malformed version and reports a rollback that does not come back healthy", async () => {
    const a = fakeDeps({ configPath: readyToml() });
    await rejects(
      rollback(["--env", "staging", "--version", "latest; rm -rf /"], a.deps),
      /--version must be/,
    );
    assert.deepEqual(a.calls, []);
    const b = fakeDeps({ configPath: readyToml(), health: [500] });
    await rejects(
      rollback(["--env", "staging", "--attempts", "2"], b.deps),
      /rolled back, but .* answers 500/,
    );
  });
});
