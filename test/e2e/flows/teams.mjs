import assert from "node:assert/strict";

// Team management: the owner invites an address; the invitee opens the mailed link (a page that decides
// nothing), creates an account through Door B and lands signed in; the owner sees them in the member list;
// an API key is created and shown once; a custom role is created; ownership moves to the new member, who
// accepts from the mailed link.

async function inviteDoorBMembersAndKey({ newPage, register, signIn, check, mailFor, origin, PASSWORD }) {
  const owner = await newPage();
  const page = owner.page;
  const email = `e2e-e-${Date.now().toString(36)}@example.com`;
  await register(page, email);
  await signIn(page, email, PASSWORD);
  await page.goto(`${origin}/teams`);
  await check(page, "teams");
  await page.getByRole("link", { name: "Open" }).first().click();
  await page.waitForURL(/\/teams\/[^/]+$/);
  const teamPath = new URL(page.url()).pathname;
  await check(page, "team-members");

  // invite
  await page.goto(`${origin}${teamPath}/invitations`);
  await check(page, "team-invitations");
  const invitee = `e2e-f-${Date.now().toString(36)}@example.com`;
  await page.getByLabel("Email address").fill(invitee);
  await page.getByLabel("Role").selectOption({ label: "Developer" });
  await page.getByRole("button", { name: "Send invitation" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("main").textContent(), new RegExp(invitee.replace(".", "\\.")));

  // the invitee: the mailed link decides nothing; Door B from there
  const guest = await newPage();
  const mail = await mailFor(invitee, "invitation");
  await guest.page.goto(mail.links[0]);
  await check(guest.page, "invite-link");
  await guest.page.getByRole("link", { name: "Create an account with this invitation" }).click();
  await guest.page.waitForURL("**/register/invite?token=*");
  await check(guest.page, "register-invite");
  await guest.page.getByLabel("Password", { exact: true }).fill("harbor-violet-lantern-58");
  await guest.page.getByLabel("Your name (optional)").fill("Ines");
  await guest.page.getByRole("button", { name: "Create account and sign in" }).click();
  await guest.page.waitForURL(/\/(account|login\?joined=1)$/);

  // the owner sees the new member
  await page.goto(`${origin}${teamPath}`);
  assert.match(await page.locator("main").textContent(), new RegExp(invitee.replace(".", "\\.")));

  // an API key, shown once
  await page.goto(`${origin}${teamPath}/api-keys`);
  await check(page, "team-api-keys");
  await page.getByLabel("Name", { exact: true }).fill("ci");
  await page.locator('input[name="perm:team:read"]').check();
  await page.getByRole("button", { name: "Create key" }).click();
  await page.waitForLoadState();
  const shown = await page.locator("main").textContent();
  const key = /gh_[A-Za-z0-9_-]{32}/.exec(shown ?? "")?.[0];
  assert.ok(key, "the new key is shown");
  await check(page, "team-api-key-created");
  await page.goto(`${origin}${teamPath}/api-keys`);
  assert.doesNotMatch((await page.locator("main").textContent()) ?? "", new RegExp(key));

  // plan and usage: a spending limit; the Virtuozzo section (not connected here)
  await page.goto(`${origin}${teamPath}/billing`);
  await check(page, "team-billing");
  await page.getByLabel("Limit in USD (empty: no limit)").fill("25");
  await page.getByRole("button", { name: "Save limit" }).click();
  await page.waitForURL("**/billing?done=limits");
  assert.match((await page.locator("main").textContent()) ?? "", /Remaining: \$25\.00/);
  await page.goto(`${origin}${teamPath}/virtuozzo`);
  await check(page, "team-virtuozzo");

  // a custom role inheriting Developer, from the catalogue
  await page.goto(`${origin}${teamPath}/roles`);
  await check(page, "team-roles");
  await page.locator("#f-name").fill("Support");
  await page.locator("#create-inherits").selectOption({ label: "Developer" });
  await page.locator('form[action$="/roles"] input[name="perm:members:invite"]').check();
  await page.getByRole("button", { name: "Create role" }).click();
  await page.waitForURL("**/roles?done=created");
  const roles = (await page.locator("main").textContent()) ?? "";
  assert.match(roles, /Role created\./);
  assert.match(roles, /Support/);

  // ownership: proposed to the new member, who accepts from the mailed link (opening it decides nothing)
  await page.goto(`${origin}${teamPath}/ownership`);
  await check(page, "team-ownership");
  await page.getByLabel("New owner").selectOption({ label: `${invitee} · Developer` });
  await page.getByRole("button", { name: "Send the proposal" }).click();
  await page.waitForURL("**/ownership?done=proposed");
  const transfer = await mailFor(invitee, "ownership_transfer");
  if (guest.page.url().endsWith("/login?joined=1"))
    await signIn(guest.page, invitee, "harbor-violet-lantern-58");
  await guest.page.goto(transfer.links[0]);
  await check(guest.page, "ownership-link");
  await guest.page.getByRole("button", { name: "Accept ownership" }).click();
  await guest.page.waitForURL("**/ownership-transfer/accept?done=1");
  assert.match((await guest.page.locator("main").textContent()) ?? "", /You are now the owner/);

  await guest.context.close();
  await owner.context.close();
}

export const flows = [
  {
    name: "invite → mailed link → Door B → member list; API key shown once; custom role; ownership transfer",
    run: inviteDoorBMembersAndKey,
  },
];
