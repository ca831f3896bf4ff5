// Shared steps of the browser flows (test/e2e/flows/*.mjs): the axe check + screenshots, the dev mailbox, and the
// common register / sign-in steps. Each flow file exports `flows`: [{ name, run(kit) }], run in parallel.
import assert from "node:assert/strict";
import AxeBuilder from "@axe-core/playwright";

export const PASSWORD = "violet-anchor-meadow-42";

/** The kit a flow receives: the browser, the server's origin and the shared steps bound to them. */
export function makeKit({ browser, origin, shots }) {
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
        await page.screenshot({ path: `${shots}${name}-${width}-${scheme}.png`, fullPage: true });
      }
    }
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: "light" });
  }

  async function mailFor(to, template) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(`${origin}/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
      const mail = (await res.json()).find((m) => m.template === template);
      if (mail) return mail;
      if (Date.now() > deadline) throw new Error(`no ${template} mail for ${to}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function register(page, email) {
    await page.goto(`${origin}/register`);
    await check(page, "register");
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    // The strength meter (loaded on focus) rates the chosen password.
    await page.waitForFunction(() => document.querySelector("#f-password-strength meter")?.value >= 3);
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

  /** A fresh browser context and page; closed by the caller. */
  async function newPage() {
    const context = await browser.newContext();
    return { context, page: await context.newPage() };
  }

  return { browser, origin, assert, check, mailFor, register, signIn, newPage, PASSWORD };
}
