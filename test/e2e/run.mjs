#!/usr/bin/env node
// `npm run test:e2e`: the pages in real Chromium (@sparticuz/chromium through playwright-core; no browser
// download) against one `wrangler dev` with throw-away state, using the dev mailbox. Every page visited is
// checked by axe (no serious or critical violations) and screenshotted at 1280 and 375 px, light and dark,
// into test/e2e/screenshots/ (git-ignored).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import chromium from "@sparticuz/chromium";
import { chromium as playwright } from "playwright-core";
import { startServer } from "./server.mjs";

const SHOTS = new URL("./screenshots/", import.meta.url).pathname;
const PASSWORD = "violet-anchor-meadow-42";
mkdirSync(SHOTS, { recursive: true });

const server = await startServer();
const browser = await playwright.launch({
  executablePath: await chromium.executablePath(),
  // --single-process (for Lambda) dies when a second browser context closes.
  args: chromium.args.filter((a) => a !== "--single-process"),
  headless: true,
});
const started = Date.now();

/** axe on the current page, then screenshots at both widths in both colour schemes. */
async function check(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    [],
    `accessibility violations on ${name}`,
  );
  const viewport = page.viewportSize();
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({ path: `${SHOTS}${name}-${width}-${scheme}.png`, fullPage: true });
    }
  }
  await page.setViewportSize(viewport);
  await page.emulateMedia({ colorScheme: "light" });
}

async function mailFor(to, template) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${server.origin}/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    const mail = (await res.json()).find((m) => m.template === template);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no ${template} mail for ${to}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function register(page, email) {
  await page.goto(`${server.origin}/register`);
  await check(page, "register");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Your name (optional)").fill("Edda");
  await page.getByLabel("Team name").fill("E2E Team");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/register/sent");
  await check(page, "register-sent");
  const mail = await mailFor(email, "verify_email");
  await page.goto(mail.links[0]);
  await check(page, "verify-email");
  await page.getByRole("button", { name: "Confirm email address" }).click();
  await page.waitForURL("**/login?verified=1");
  await check(page, "login-verified");
}

async function signIn(page, email, password) {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/account");
}

async function registerAndSignIn() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = `e2e-a-${Date.now().toString(36)}@example.com`;
  await register(page, email);
  await signIn(page, email, PASSWORD);
  assert.match(await page.locator("main").textContent(), new RegExp(email.replace(".", "\\.")));
  await check(page, "account");
  await context.close();
}

async function forgotAndReset() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = `e2e-b-${Date.now().toString(36)}@example.com`;
  await register(page, email);
  await page.goto(`${server.origin}/forgot-password`);
  await check(page, "forgot-password");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await page.waitForURL("**/forgot-password?sent=1");
  const mail = await mailFor(email, "password_reset");
  await page.goto(mail.links.find((l) => l.includes("/reset-password")));
  await check(page, "reset-password");
  const newPassword = "copper-lantern-harbor-77";
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.waitForURL("**/login?reset=1");
  await check(page, "login-reset");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  assert.match(await page.getByRole("alert").textContent(), /Email or password is incorrect/);
  await check(page, "login-error");
  await signIn(page, email, newPassword);
  await context.close();
}

let failed = false;
try {
  const results = await Promise.allSettled([registerAndSignIn(), forgotAndReset()]);
  for (const [i, r] of results.entries()) {
    const name = ["register → verify → login → account", "forgot → reset → login"][i];
    if (r.status === "fulfilled") console.log(`✓ ${name}`);
    else {
      failed = true;
      console.error(`✗ ${name}\n${r.reason?.stack ?? r.reason}`);
    }
  }
  console.log(`e2e: ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
} finally {
  await browser.close();
  if (failed) console.error(server.log().slice(-3000));
  await server.stop();
}
process.exit(failed ? 1 : 0);
