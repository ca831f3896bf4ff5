import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** The committed local secrets (never real ones) are the tests' secrets too. */
function devVars(): Record<string, string> {
  const text = readFileSync(new URL("./.dev.vars.example", import.meta.url), "utf8");
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) vars[m[1]] = m[2] ?? "";
  }
  return vars;
}

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ...devVars(),
          ENVIRONMENT: "test",
          // Fast hashes in tests; the defaults are measured by `npm run bench`.
          ARGON2_MEMORY_KIB: "8192",
          ARGON2_ITERATIONS: "1",
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/support/setup.ts"],
    testTimeout: 20_000,
    silent: "passed-only",
    hookTimeout: 20_000,
  },
});
