#!/usr/bin/env node
// `npm run dev`: a working local Gatehouse in one command.
// 1. .dev.vars from .dev.vars.example when missing (local secrets, never real ones)
// 2. D1 migrations applied to the local database
// 3. `wrangler dev` (D1, KV, Durable Objects and Queues all simulated locally by miniflare)
// 4. waits for /health/ready — the first request seeds the admin from ADMIN_EMAIL/ADMIN_PASSWORD
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";

const port = process.env.PORT ?? "8787";
const binDir = new URL("../node_modules/.bin", import.meta.url).pathname;
const bin = (name) => `${binDir}/${name}`;
// node_modules/.bin first: wrangler needs the project's Node 22, not the machine's
const env = {
  ...process.env,
  PATH: `${binDir}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: "false",
  CI: process.env.CI ?? "true",
};

const parseVars = (text) =>
  Object.fromEntries(
    text
      .split("\n")
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
} else {
  // A .dev.vars from an older checkout: add the variables introduced since, with their local values.
  const example = parseVars(readFileSync(".dev.vars.example", "utf8"));
  const current = parseVars(readFileSync(".dev.vars", "utf8"));
  const missing = Object.keys(example).filter((k) => !(k in current));
  if (missing.length > 0) {
    appendFileSync(".dev.vars", `\n${missing.map((k) => `${k}=${example[k]}`).join("\n")}\n`);
    console.log(`added to .dev.vars from .dev.vars.example: ${missing.join(", ")}`);
  }
}

const migrate = spawnSync(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env,
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const wrangler = spawn(
  bin("wrangler"),
  ["dev", "--port", port, "--ip", "127.0.0.1", ...process.argv.slice(2)],
  {
    stdio: "inherit",
    env,
  },
);
// The local fake Virtuozzo API (scripts/fake-virtuozzo.mjs): teams connect it as apiUrl http://127.0.0.1:8790.
const fakeVirtuozzoPort = process.env.FAKE_VIRTUOZZO_PORT ?? "8790";
const fakeVirtuozzo = spawn(process.execPath, [new URL("./fake-virtuozzo.mjs", import.meta.url).pathname], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...env, FAKE_VIRTUOZZO_PORT: fakeVirtuozzoPort },
});
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    fakeVirtuozzo.kill(signal);
    wrangler.kill(signal);
  });
wrangler.on("exit", (code) => {
  fakeVirtuozzo.kill("SIGTERM");
  process.exit(code ?? 0);
});

const origin = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 120_000;
while (Date.now() < deadline) {
  try {
    const res = await fetch(`${origin}/health/ready`);
    if (res.ok) {
      const vars = parseVars(readFileSync(".dev.vars", "utf8"));
      console.log(
        [
          "",
          "Gatehouse is running",
          `  API          ${origin}/api/v1   (OpenAPI: ${origin}/api/v1/openapi.json, docs: ${origin}/docs)`,
          `  Dev mailbox  ${origin}/dev/mailbox`,
          `  Virtuozzo    fake API at http://127.0.0.1:${fakeVirtuozzoPort} (dev@example.com / dev-virtuozzo-password)`,
          `  Admin        ${vars.ADMIN_EMAIL ?? "(set ADMIN_EMAIL)"} / ${vars.ADMIN_PASSWORD ? "password in .dev.vars" : "(set ADMIN_PASSWORD)"}`,
          "",
        ].join("\n"),
      );
      break;
    }
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 500));
}
