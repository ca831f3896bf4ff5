import assert from "node:assert/strict";

// The login step pages: a second device gets the mailed code (/login/device), then — the first device still
// signed in — the single-session decision (/login/concurrent); a login from a new country waits at
// /login/approval until the owner approves it from the mailed link in another browser.

async function newDeviceThenConcurrent({ newPage, register, signIn, check, mailFor, origin, PASSWORD }) {
  const first = await newPage();
  const email = `e2e-c-${Date.now().toString(36)}@example.com`;
  await register(first.page, email);
  await signIn(first.page, email, PASSWORD);

  const second = await newPage();
  const page = second.page;
  await page.goto(`${origin}/login`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/login/device");
  await check(page, "login-device");
  const mail = await mailFor(email, "device_code");
  await page.getByLabel("Code from the email").fill(mail.codes[0]);
  await page.getByRole("button", { name: "Continue" }).click();
  // the first device's session is live: the single-session decision
  await page.waitForURL("**/login/concurrent");
  await check(page, "login-concurrent");
  await page.getByRole("button", { name: "End the other session and continue here" }).click();
  await page.waitForURL("**/account");
  // the first device's session ended
  await first.page.goto(`${origin}/account`);
  await first.page.waitForURL("**/login**");
  await first.context.close();
  await second.context.close();
}

async function approvalFromAnotherBrowser({
  browser,
  newPage,
  register,
  signIn,
  check,
  mailFor,
  origin,
  PASSWORD,
}) {
  const home = await newPage();
  const email = `e2e-d-${Date.now().toString(36)}@example.com`;
  await register(home.page, email);
  await signIn(home.page, email, PASSWORD);
  // the same device (its cookies) travelling: a new country makes the login suspicious
  const cookies = await home.context.cookies();
  const travel = await browser.newContext({
    extraHTTPHeaders: { "cf-ipcountry": "BR", "cf-ipcity": "Recife" },
  });
  await travel.addCookies(cookies);
  const page = await travel.newPage();
  await page.goto(`${origin}/login`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (page.url().endsWith("/login/device")) {
    const code = await mailFor(email, "device_code");
    await page.getByLabel("Code from the email").fill(code.codes[0]);
    await page.getByRole("button", { name: "Continue" }).click();
  }
  await page.waitForURL("**/login/approval");
  await check(page, "login-approval");

  // the owner opens the mailed link elsewhere: a confirmation page, and the button decides
  const mail = await mailFor(email, "login_approval");
  const owner = await newPage();
  await owner.page.goto(mail.links[0]);
  await check(owner.page, "login-approve-link");
  await owner.page.getByRole("button").first().click();
  await owner.page.waitForLoadState();
  assert.match(await owner.page.locator("main").textContent(), /approved/i);

  // the waiting page moves on by itself (its poll script); the session at home is still live
  await page.waitForURL(/\/(account|login\/concurrent)$/, { timeout: 15_000 });
  if (page.url().endsWith("/login/concurrent")) {
    await page.getByRole("button", { name: "End the other session and continue here" }).click();
    await page.waitForURL("**/account");
  }
  await owner.context.close();
  await travel.close();
  await home.context.close();
}

export const flows = [
  { name: "new device: mailed code → single-session decision → account", run: newDeviceThenConcurrent },
  {
    name: "suspicious login waits and moves on after an approve from another browser",
    run: approvalFromAnotherBrowser,
  },
];
