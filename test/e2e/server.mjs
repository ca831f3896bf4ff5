// Starts the Gatehouse Worker under `wrangler dev` with a throw-away local state (D1 migrated, KV, DOs, queues),
// for the browser tests. Like bench/lib.mjs, with the real entry point (src/index.ts).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const binDir = new URL("../../node_modules/.bin", import.meta.url).pathname;

export async function startServer({ port = Number(process.env.E2E_PORT ?? 8798) } = {}) {
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  const state = mkdtempSync(join(tmpdir(), "gatehouse-e2e-"));
  const env = {
    ...process.env,
    PATH: `${binDir}:${process.env.PATH}`,
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
  };
  const migrate = spawnSync(
    `${binDir}/wrangler`,
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state],
    { env, encoding: "utf8" },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(
    `${binDir}/wrangler`,
    [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      state,
      "--var",
      `PUBLIC_ORIGIN:${origin}`,
      "--var",
      `CORS_ORIGINS:${origin}`,
      "--var",
      "HIBP_ENABLED:false",
    ],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  let exited = null;
  child.on("exit", (code) => (exited = code));
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${origin}/health/ready`)).ok) break;
    } catch {}
    if (exited !== null || Date.now() > deadline)
      throw new Error(`server did not start:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    origin,
    log: () => log,
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      rmSync(state, { recursive: true, force: true });
    },
  };
}
