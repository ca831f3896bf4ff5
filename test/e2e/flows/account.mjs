import assert from "node:assert/strict";
import { createHmac } from "node:crypto";

// /account/security: change the password, set up 2FA from the shown key (RFC 6238), see the recovery codes,
// revoke the trusted device, turn 2FA off — every state checked with axe and screenshotted.

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of text.replace(/=+$/, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The current TOTP code (SHA-1, 30 s, 6 digits) of a base32 key. */
function totp(key, now = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000)));
  const mac = createHmac("sha1", base32Decode(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function accountSecurity({ newPage, register, signIn, check, PASSWORD }) {
  const { context, page } = await newPage();
  const email = `e2e-s-${Date.now().toString(36)}@example.com`;
  await register(page, email);
  await signIn(page, email, PASSWORD);
  await page.getByRole("link", { name: /^Security/ }).click();
  await page.waitForURL("**/account/security");
  await check(page, "account-security");

  // Change the password: the wrong current one first.
  const newPassword = "copper-lantern-orchid-77";
  await page.getByLabel("Current password").fill("not-my-password-9");
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  assert.match(
    await page.locator("#f-currentPassword-error").textContent(),
    /Email or password is incorrect/,
  );
  await check(page, "account-security-password-error");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.waitForURL("**/account/security?done=password");
  assert.match(await page.getByRole("status").textContent(), /Your password was changed/);
  await check(page, "account-security-password-changed");

  // Two-factor authentication: the key shown, a wrong code, then the right one.
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await page.waitForURL("**/account/security/2fa/setup");
  await check(page, "2fa-setup");
  const key = (await page.locator("#manual-key").textContent()).trim();
  assert.match(key, /^[A-Z2-7]{16,}$/);
  assert.ok(await page.getByRole("img", { name: "QR code for your authenticator app" }).isVisible());
  await page.getByLabel("Code from your authenticator app").fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  assert.match(await page.locator("#f-code-error").textContent(), /Invalid security code/);
  await check(page, "2fa-setup-error");
  await page.getByLabel("Code from your authenticator app").fill(totp(key));
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByRole("heading", { name: "Your recovery codes" }).waitFor();
  const codes = (await page.locator("#recovery-codes").textContent()).trim().split("\n");
  assert.equal(codes.length, 10);
  // The nonce'd script shows the copy button; the download is a plain link.
  assert.ok(await page.getByRole("button", { name: "Copy" }).isVisible());
  assert.match(await page.getByRole("link", { name: "Download" }).getAttribute("href"), /^data:text\/plain/);
  await check(page, "2fa-recovery-codes");
  await page.getByRole("link", { name: "I have saved them" }).click();
  await page.waitForURL("**/account/security");
  await check(page, "account-security-2fa-on");

  // The first session's device is trusted: revoke it.
  await page.getByRole("button", { name: /^Revoke/ }).click();
  await page.waitForURL("**/account/security?done=device");
  assert.match(await page.locator("main").textContent(), /No trusted devices/);
  await check(page, "account-security-device-revoked");

  // Turn 2FA off with the new password and a recovery code (this window's TOTP code was used already).
  await page.getByLabel("Password", { exact: true }).nth(1).fill(newPassword);
  await page.getByLabel("Code from your authenticator app or a recovery code").fill(codes[0]);
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
  await page.waitForURL("**/account/security?done=2fa-off");
  assert.match(await page.getByRole("status").textContent(), /Two-factor authentication is off/);
  await check(page, "account-security-2fa-off");
  await context.close();
}

export const flows = [{ name: "account security: password, 2FA, trusted device", run: accountSecurity }];
