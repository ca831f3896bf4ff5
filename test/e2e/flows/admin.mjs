import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateTOTP } from "@oslojs/otp";

// The admin dashboard: the bootstrap admin's first sign-in (new password, 2FA enrolment with the page's key),
// then find a user, lock them with a reason behind the confirmation page, see it in the audit viewer, export it;
// every admin page checked by axe and screenshotted.

/** The bootstrap admin the server seeds, from the same .dev.vars the e2e server runs with. */
function bootstrapAdmin() {
  const vars = Object.fromEntries(
    [...readFileSync(".dev.vars", "utf8").matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
  return { email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD };
}

async function adminDashboard({ newPage, register, check, origin }) {
  // A user to find.
  const someone = await newPage();
  const email = `e2e-g-${Date.now().toString(36)}@example.com`;
  await register(someone.page, email);
  await someone.context.close();

  const { context, page } = await newPage();
  const admin = bootstrapAdmin();
  await page.goto(`${origin}/login`);
  await page.getByLabel("Email address").fill(admin.email);
  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/login/password");
  await page.getByLabel("New password").fill("granite-orchard-lantern-64");
  await page.getByRole("button", { name: "Change password and continue" }).click();
  await page.waitForURL("**/login/mfa-setup");
  await check(page, "login-mfa-setup");
  await page.getByRole("button", { name: "Set up an authenticator" }).click();
  await page.waitForLoadState();
  await check(page, "login-mfa-setup-key");
  const key = decodeBase32IgnorePadding((await page.locator("#manual-key").textContent()).trim());
  await page.getByLabel("Code from your authenticator app").fill(generateTOTP(key, 30, 6));
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.waitForLoadState();
  assert.match((await page.locator("#recovery-codes").textContent()) ?? "", /\S/);
  await page.getByRole("link", { name: "I have saved them" }).click();
  await page.waitForURL(/\/account$/);

  await page.goto(`${origin}/admin`);
  await check(page, "admin");
  await page.goto(`${origin}/admin/users`);
  await page.getByLabel("Email or name starts with").fill(email.slice(0, 12));
  // search as you type: the results and the address change without pressing Search
  await page.getByRole("link", { name: email }).waitFor();
  await page.waitForURL("**/admin/users?q=**");
  await check(page, "admin-users");
  await page.getByRole("link", { name: email }).click();
  await page.waitForURL(/\/admin\/users\/[^/]+$/);
  await check(page, "admin-user");
  await page.getByRole("link", { name: "Lock account" }).click();
  await check(page, "admin-confirm-lock");
  await page.getByLabel("Reason (kept in the audit log)").fill("e2e: reported compromised");
  await page.getByRole("button", { name: "Lock account" }).click();
  await page.waitForURL(/\/admin\/users\/[^/?]+(\?.*)?$/);
  assert.match((await page.locator("main").textContent()) ?? "", /locked/);
  // the user's team links to its abuse budgets
  await page.getByRole("link", { name: /\(Owner\)$/ }).click();
  await page.waitForURL(/\/admin\/teams\/[^/]+\/budgets$/);
  assert.match((await page.locator("main").textContent()) ?? "", /Usage budgets/);
  await check(page, "admin-team-budgets");

  await page.goto(`${origin}/admin/audit`);
  await check(page, "admin-audit");
  const audit = (await page.locator("main").textContent()) ?? "";
  assert.match(audit, /admin\.user_locked/);
  assert.match(audit, /e2e: reported compromised/);
  const csvHref = await page.getByRole("link", { name: "CSV" }).getAttribute("href");
  const csv = await page.request.get(`${origin}${csvHref}`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()["content-disposition"] ?? "", /attachment/);
  assert.match(await csv.text(), /admin\.user_locked/);

  await page.goto(`${origin}/admin/analytics`);
  await check(page, "admin-analytics");
  await page.goto(`${origin}/admin/import`);
  await check(page, "admin-import");
  await page.goto(`${origin}/admin/abuse`);
  assert.match(
    (await page.locator("main").textContent()) ?? "",
    /No network is under a signal now\.|Credential stuffing|Password spraying|Sign-up burst/,
  );
  await check(page, "admin-abuse");
  await context.close();
}

export const flows = [
  {
    name: "admin: first sign-in with 2FA enrolment → find a user → lock with a reason → team budgets → audit → export → abuse signals",
    run: adminDashboard,
  },
];
