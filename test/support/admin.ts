import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { totpCode, totpCounter } from "../../src/crypto/otp";
import { type testWorker, uniqueEmail, verifiedOwner } from "./helpers";
import { pageBrowser } from "./pages";
import { as } from "./teams";

type App = ReturnType<typeof testWorker>;
export type PlatformRoleName = "admin" | "support" | "billing_admin";

/** Grants platform roles in D1 (what an admin's POST /admin/users/:id/roles would do, without needing one). */
export async function grantRoles(userId: string, roles: readonly PlatformRoleName[]): Promise<void> {
  await env.DB.batch(
    roles.map((role) =>
      env.DB.prepare(
        "INSERT OR IGNORE INTO user_platform_roles (user_id, role, granted_at) VALUES (?, ?, 0)",
      ).bind(userId, role),
    ),
  );
}

/**
 * A verified user holding `roles`, signed in the way every platform role must: the first login answers
 * `mfa_setup`, 2FA is enrolled with the pre-auth token, and the session is exchanged for the user's team.
 * Returns the session, a `call` helper with its bearer token, and a TOTP code generator.
 */
export async function platformSession(app: App, roles: readonly PlatformRoleName[]) {
  const user = await verifiedOwner(app, uniqueEmail(roles[0] ?? "staff"));
  await grantRoles(user.userId, roles);
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: user.email, password: user.password },
  });
  const first = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  if (first.step !== "mfa_setup") throw new Error(`expected mfa_setup, got ${first.step}`);
  const headers = {
    authorization: `Bearer ${first.preAuthToken}`,
    cookie: `__Host-device=${first.deviceId}`,
  };
  const init = await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers });
  const setup = (await init.json()) as { challengeId: string; secret: string };
  const secret = decodeBase32IgnorePadding(setup.secret);
  const code = () => totpCode(secret, totpCounter(app.clock.now()));
  const done = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
    headers,
    body: { challengeId: setup.challengeId, code: code() },
  });
  if (done.status !== 200) throw new Error(`enable-complete answered ${done.status}`);
  const { preAuthToken } = (await done.json()) as { preAuthToken: string };
  const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken, teamId: user.teamId, deviceId: first.deviceId },
  });
  if (exchange.status !== 200) throw new Error(`session-exchange answered ${exchange.status}`);
  const session = (await exchange.json()) as { accessToken: string; refreshToken: string; csrfToken: string };
  /** The session's cookies (`name=value`), for page tests' cookie jars. */
  const cookies = exchange.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");
  return { ...user, ...session, cookies, deviceId: first.deviceId, code, call: as(app, session.accessToken) };
}

/**
 * Makes `keep` the only active platform admins of this test's database (the others lose `admin`): tests of the
 * last-admin rule need to know every admin. Storage is isolated per test file: other files are unaffected.
 */
export async function onlyAdmins(keep: readonly string[]): Promise<void> {
  const placeholders = keep.map(() => "?").join(", ");
  await env.DB.prepare(
    `DELETE FROM user_platform_roles WHERE role = 'admin' AND user_id NOT IN (${placeholders})`,
  )
    .bind(...keep)
    .run();
}

/** A cookie-mode page browser signed in as a platform user of `roles` (the same device as the API session). */
export async function adminBrowser(app: App, roles: readonly PlatformRoleName[]) {
  const who = await platformSession(app, roles);
  const browser = pageBrowser(app);
  browser.jar.set("__Host-device", who.deviceId);
  for (const pair of who.cookies) {
    const eq = pair.indexOf("=");
    browser.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { who, browser, csrf: browser.jar.get("__Host-csrf") ?? "" };
}
