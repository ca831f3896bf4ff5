#!/usr/bin/env node
// `npm run test:e2e`: the pages in real Chromium (@sparticuz/chromium through playwright-core; no browser
// download) against one `wrangler dev` with throw-away state, using the dev mailbox. Every page visited is
// checked by axe (no serious or critical violations) and screenshotted at 1280 and 375 px, light and dark,
// into test/e2e/screenshots/ (git-ignored).
import { mkdirSync, readdirSync } from "node:fs";
import chromium from "@sparticuz/chromium";
import { chromium as playwright } from "playwright-core";
import { makeKit } from "./kit.mjs";
import { startServer } from "./server.mjs";

const SHOTS = new URL("./screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

const server = await startServer();
const browser = await playwright.launch({
  executablePath: await chromium.executablePath(),
  // --single-process (for Lambda) dies when a second browser context closes.
  args: chromium.args.filter((a) => a !== "--single-process"),
  headless: true,
});
const started = Date.now();

const kit = makeKit({ browser, origin: server.origin, shots: SHOTS });
const flowDir = new URL("./flows/", import.meta.url);
const flows = [];
for (const file of readdirSync(flowDir)
  .filter((f) => f.endsWith(".mjs"))
  // E2E_ONLY=sign-in,teams runs the flows of those files only (while working on them).
  .filter((f) => !process.env.E2E_ONLY || process.env.E2E_ONLY.split(",").some((n) => f.startsWith(n)))
  .sort()) {
  flows.push(...(await import(new URL(file, flowDir).href)).flows);
}

let failed = false;
try {
  const results = await Promise.allSettled(flows.map((f) => f.run(kit)));
  for (const [i, r] of results.entries()) {
    const name = flows[i]?.name;
    if (r.status === "fulfilled") console.log(`✓ ${name}`);
    else {
      failed = true;
      console.error(`✗ ${name}\n${r.reason?.stack ?? r.reason}`);
    }
  }
  console.log(
    `e2e: ${flows.length} flows in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`,
  );
} finally {
  await browser.close();
  if (failed) console.error(server.log().slice(-3000));
  await server.stop();
}
process.exit(failed ? 1 : 0);
