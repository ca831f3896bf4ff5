import { describe, expect, it } from "vitest";
import { testWorker, verifiedOwner } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

/*
 * `return_to` (issue 16): after sign-in the pages send the browser back to the SaaS — a path here, or an origin
 * of PUBLIC_ORIGIN / CORS_ORIGINS — and nowhere else (no open redirect).
 */
describe("pages: return_to", () => {
  it("a login started with an allowed return_to ends there, carried in an HttpOnly cookie across the steps", async () => {
    const app = testWorker({ env: { CORS_ORIGINS: "https://app.example.com" } });
    const owner = await verifiedOwner(app);
    const browser = pageBrowser(app);
    const page = await (await browser.get("/login?return_to=https%3A%2F%2Fapp.example.com%2Fhome")).text();
    expect(page).toContain('name="return_to" value="https://app.example.com/home"');
    const res = await browser.post("/login", {
      email: owner.email,
      password: owner.password,
      return_to: "https://app.example.com/home",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://app.example.com/home");
    expect(browser.jar.has("__Host-access")).toBe(true);
    // spent: the next sign-in lands on the default page
    expect(browser.jar.has("__Host-return")).toBe(false);
  });

  it("any other target is dropped: the browser lands on /account", async () => {
    const app = testWorker({ env: { CORS_ORIGINS: "https://app.example.com", SINGLE_SESSION: "false" } });
    const owner = await verifiedOwner(app);
    for (const target of ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]) {
      const browser = pageBrowser(app);
      const page = await (await browser.get(`/login?return_to=${encodeURIComponent(target)}`)).text();
      expect(page).not.toContain('name="return_to"');
      const res = await browser.post("/login", {
        email: owner.email,
        password: owner.password,
        return_to: target,
      });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/account");
    }
  });
});
