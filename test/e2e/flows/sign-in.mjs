import assert from "node:assert/strict";

// Door A and password recovery: register → verify (the page's button) → sign in → account; forgot → reset → sign in.
async function registerAndSignIn({ newPage, register, signIn, check, origin, PASSWORD }) {
  const { context, page } = await newPage();
  const email = `e2e-a-${Date.now().toString(36)}@example.com`;
  // A guessable password is rated as such while it is typed (zxcvbn-ts, in the page).
  await page.goto(`${origin}/register`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("password1");
  await page.waitForFunction(
    () => document.querySelector("#f-password-strength [data-label]")?.textContent === "Very weak",
  );
  assert.equal(await page.locator("#f-password-strength").isVisible(), true);
  await register(page, email);
  await signIn(page, email, PASSWORD);
  assert.match(await page.locator("main").textContent(), new RegExp(email.replace(".", "\\.")));
  await check(page, "account");
  await context.close();
}

async function forgotAndReset({ newPage, register, signIn, check, mailFor, origin, PASSWORD }) {
  const { context, page } = await newPage();
  const email = `e2e-b-${Date.now().toString(36)}@example.com`;
  await register(page, email);
  await page.goto(`${origin}/forgot-password`);
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

export const flows = [
  { name: "register → verify → login → account", run: registerAndSignIn },
  { name: "forgot → reset → login", run: forgotAndReset },
];
