import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

/** Turnstile as production renders it: a real (here: Cloudflare's always-fail test) secret and a site key. */
const WIDGET_ENV = {
  TURNSTILE_SECRET_KEY: "2x0000000000000000000000000000000AA",
  TURNSTILE_SITE_KEY: "3x00000000000000000000FF",
};

const SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js";

function nonceOf(res: Response): string {
  return /script-src 'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1] ?? "";
}

describe("pages: Turnstile", () => {
  it("/register always carries the widget for action register, its script admitted by the page's nonce", async () => {
    const browser = pageBrowser(testWorker({ env: WIDGET_ENV }));
    const res = await browser.get("/register");
    const html = await res.text();
    expect(html).toContain('class="cf-turnstile"');
    expect(html).toContain('data-sitekey="3x00000000000000000000FF"');
    expect(html).toContain('data-action="register"');
    expect(html).toContain('data-response-field-name="turnstileToken"');
    expect(html).toContain(`<script nonce="${nonceOf(res)}" src="${SCRIPT}"`);
    expect(html).not.toContain("XXXX.DUMMY.TOKEN.XXXX");
    expect(res.headers.get("content-security-policy")).toContain(
      "frame-src https://challenges.cloudflare.com",
    );

    // A refused submission (the always-fail secret) shows the widget again, with the API's copy.
    const refused = await browser.post("/register", {
      email: uniqueEmail("captcha"),
      password: "tangerine-harbor-quiet-77",
      teamName: "Captcha Team",
      turnstileToken: "a-token-the-secret-refuses",
    });
    expect(refused.status).toBe(400);
    const again = await refused.text();
    expect(again).toContain("Captcha required.");
    expect(again).toContain('data-action="register"');
  });

  it("/login shows no widget until the API asks for it, then keeps it (adaptive)", async () => {
    // Registered where Turnstile passes; then signing in where it is real.
    const owner = await verifiedOwner(testWorker());
    const browser = pageBrowser(testWorker({ env: WIDGET_ENV }));
    const first = await (await browser.get("/login")).text();
    expect(first).not.toContain("cf-turnstile");
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await browser.post("/login", { email: owner.email, password: "not-the-password-1" });
      if (last.status === 400) break;
      expect(last.status).toBe(401);
      expect(await last.text()).not.toContain("cf-turnstile");
    }
    expect(last?.status).toBe(400);
    const html = (await last?.text()) ?? "";
    expect(html).toContain("Captcha required.");
    expect(html).toContain('data-action="login"');
    expect(html).toContain(`<script nonce="${nonceOf(last as Response)}" src="${SCRIPT}"`);
  });

  it("development with the always-pass test secret renders no widget, only the dummy token", async () => {
    const browser = pageBrowser(testWorker());
    for (const path of ["/register", "/login"]) {
      const html = await (await browser.get(path)).text();
      expect(html).toContain('name="turnstileToken" value="XXXX.DUMMY.TOKEN.XXXX"');
      expect(html).not.toContain("cf-turnstile");
      expect(html).not.toContain("challenges.cloudflare.com");
    }
  });
});
