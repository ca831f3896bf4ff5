import { describe, expect, it } from "vitest";
import {
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

describe("pages: /register", () => {
  it("in development the form carries the dummy Turnstile token and no widget script", async () => {
    const res = await pageBrowser(testWorker()).get("/register");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<input type="hidden" name="turnstileToken" value="XXXX.DUMMY.TOKEN.XXXX"/>');
    // No widget and nothing off this origin: the only script is the strength meter's same-origin loader.
    expect(html).not.toContain("challenges.cloudflare.com");
    expect(html).not.toMatch(/<script[^>]*\ssrc=/);
    for (const field of ["email", "password", "name", "teamName"]) expect(html).toContain(`for="f-${field}"`);
  });

  it("register → check-your-inbox → the mailed page's button verifies → /login?verified=1 → signed in", async () => {
    const app = testWorker();
    const browser = pageBrowser(app);
    const email = uniqueEmail("page");
    const res = await browser.post("/register", {
      email,
      password: GOOD_PASSWORD,
      name: "Paula",
      teamName: "Page Team",
      turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/register/sent");
    expect(await (await browser.get("/register/sent")).text()).toContain("Check your inbox");

    const [mail] = await waitForMail(app, email, { template: "verify_email" });
    const link = new URL(mail?.links[0] ?? "");
    const page = await browser.get(`${link.pathname}${link.search}`);
    expect(await page.text()).toContain("Confirm email address");
    const verified = await browser.post("/api/v1/auth/verify-email", { token: tokenFromLink(link.href) });
    expect(verified.headers.get("location")).toBe("/login?verified=1");
    expect(await (await browser.get("/login?verified=1")).text()).toContain(
      "Your email address is confirmed.",
    );
    const login = await browser.post("/login", { email, password: GOOD_PASSWORD });
    expect(login.headers.get("location")).toBe("/account");
  });

  it("refusals show the API's copy next to their field, values kept (password never echoed)", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const browser = pageBrowser(app);
    const invalid = await browser.post("/register", {
      email: "not-an-address",
      password: GOOD_PASSWORD,
      teamName: "",
      turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
    });
    expect(invalid.status).toBe(422);
    const html = await invalid.text();
    expect(html).toMatch(/id="f-email-error">Enter a valid email address\.</);
    expect(html).toMatch(/id="f-teamName-error">Enter a team name\.</);
    expect(html).toContain('value="not-an-address"');
    expect(html).not.toContain(GOOD_PASSWORD);

    const taken = await browser.post("/register", {
      email: owner.email,
      password: GOOD_PASSWORD,
      teamName: "Another",
      turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
    });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toMatch(/id="f-email-error">[^<]+</);
  });
});

describe("pages: /forgot-password and /reset-password", () => {
  it("forgot → mail → reset page → /login?reset=1 → the new password signs in", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const browser = pageBrowser(app);
    const forgot = await browser.post("/forgot-password", { email: owner.email });
    expect(forgot.status).toBe(303);
    expect(forgot.headers.get("location")).toBe("/forgot-password?sent=1");
    expect(await (await browser.get("/forgot-password?sent=1")).text()).toContain("a link is on its way");

    const [mail] = await waitForMail(app, owner.email, { template: "password_reset" });
    const link = new URL(mail?.links.find((l) => l.includes("/reset-password")) ?? "");
    const page = await browser.get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    const token = tokenFromLink(link.href);
    expect(await page.text()).toContain(`name="token" value="${token}"`);

    const weak = await browser.post("/reset-password", { token, newPassword: "short" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toMatch(/id="f-newPassword-error">[^<]+</);

    const newPassword = "copper-lantern-harbor-77";
    const reset = await browser.post("/reset-password", { token, newPassword });
    expect(reset.status).toBe(303);
    expect(reset.headers.get("location")).toBe("/login?reset=1");
    const again = await browser.post("/reset-password", { token, newPassword });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('href="/forgot-password"');

    expect((await browser.post("/login", { email: owner.email, password: GOOD_PASSWORD })).status).toBe(401);
    const login = await browser.post("/login", { email: owner.email, password: newPassword });
    expect(login.headers.get("location")).toBe("/account");
  });

  it("a malformed address is shown next to the field", async () => {
    const res = await pageBrowser(testWorker()).post("/forgot-password", { email: "nope" });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/id="f-email-error">Enter a valid email address\.</);
  });
});
