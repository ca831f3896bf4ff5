import { env } from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

/** A value of a hidden input of the page. */
function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m?.[1]) throw new Error(`no ${name} in the page`);
  return m[1].replaceAll("&amp;", "&");
}

describe("pages: /login/mfa-setup (a platform role enrols 2FA at its first login)", () => {
  it("explains, shows the key once started, refuses a wrong code next to the field, shows the recovery codes and continues signed in", async () => {
    const app = testWorker();
    const admin = await verifiedOwner(app, uniqueEmail("padmin"));
    await env.DB.prepare("INSERT INTO user_platform_roles (user_id, role, granted_at) VALUES (?, 'admin', 0)")
      .bind(admin.userId)
      .run();
    const browser = pageBrowser(app);
    const login = await browser.post("/login", { email: admin.email, password: admin.password });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/login/mfa-setup");

    const intro = await browser.get("/login/mfa-setup");
    expect(intro.status).toBe(200);
    const introHtml = await intro.text();
    expect(introHtml).toContain("Your account needs two-factor authentication");
    expect(introHtml).toContain('action="/login/mfa-setup/start"');
    // Skipping the step is not possible: the session needs it done.
    expect(
      await env.DB.prepare("SELECT 1 FROM user_mfa WHERE user_id = ?").bind(admin.userId).first(),
    ).toBeNull();

    const started = await browser.post("/login/mfa-setup/start", {});
    expect(started.status).toBe(200);
    expect(started.headers.get("cache-control")).toContain("no-store");
    const setupHtml = await started.text();
    expect(setupHtml).toContain('src="data:image/svg+xml;base64,');
    const form = {
      challengeId: hidden(setupHtml, "challengeId"),
      secret: hidden(setupHtml, "secret"),
      otpauthUri: hidden(setupHtml, "otpauthUri"),
    };

    const wrong = await browser.post("/login/mfa-setup", { ...form, code: "000000" });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain("Invalid security code.");
    expect(wrongHtml).toContain('aria-invalid="true"');

    const code = totpCode(decodeBase32IgnorePadding(form.secret), totpCounter(app.clock.now()));
    const done = await browser.post("/login/mfa-setup", { ...form, code });
    expect(done.status).toBe(200);
    const codesHtml = await done.text();
    const codes =
      /<pre id="recovery-codes"[^>]*>([^<]*)<\/pre>/.exec(codesHtml)?.[1]?.trim().split("\n") ?? [];
    expect(codes).toHaveLength(10);
    // One team: the login finished with this very answer; "continue" leads to the signed-in page.
    expect(codesHtml).toContain('href="/account"');
    expect(browser.jar.get("__Host-access")).toBeTruthy();
    expect((await browser.get("/account")).status).toBe(200);
  });

  it("without a login at that step the pages start again at /login", async () => {
    const browser = pageBrowser(testWorker());
    for (const res of [
      await browser.get("/login/mfa-setup"),
      await browser.post("/login/mfa-setup/start", {}),
    ]) {
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/login?expired=1");
    }
  });
});
