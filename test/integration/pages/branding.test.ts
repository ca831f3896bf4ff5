import { describe, expect, it } from "vitest";
import { renderEmail } from "../../../src/email/templates";
import { testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

const BRANDED = {
  PRODUCT_NAME: "Acme ID",
  SUPPORT_EMAIL: "help@acme.test",
  BRAND_COLOR: "#7a1fa2",
  BRAND_COLOR_DARK: "#c792ea",
};

/** A 1×1 PNG, and an SVG logo that tries to run a script (it must never run in this origin). */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const SVG = btoa(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
);

describe("pages: branding from configuration", () => {
  it("a configured logo is in the header and the mails, served from this origin under a fingerprinted name", async () => {
    const browser = pageBrowser(
      testWorker({ env: { ...BRANDED, BRAND_LOGO: `data:image/png;base64,${PNG}` } }),
    );
    const html = await (await browser.get("/login")).text();
    const path =
      /<a class="brand" href="\/login"><img src="(\/assets\/logo\.[0-9a-f]{8}\.png)" alt="" height="28"\/>Acme ID<\/a>/.exec(
        html,
      )?.[1];
    expect(path).toBeDefined();
    const logo = await browser.get(path as string);
    expect(logo.status).toBe(200);
    expect(logo.headers.get("content-type")).toBe("image/png");
    expect(logo.headers.get("cache-control")).toContain("immutable");
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(
      Uint8Array.from(atob(PNG), (ch) => ch.charCodeAt(0)),
    );
    expect((await browser.get("/assets/logo.00000000.png")).status).toBe(404);

    // the mails show it from the public origin, the name beside it
    const mail = renderEmail(
      "verify_email",
      { verifyUrl: "https://id.acme.test/verify-email?token=t", expiresHours: 24 },
      { productName: "Acme ID", publicOrigin: "https://id.acme.test", logoPath: path as string },
    );
    expect(mail.html).toContain(`<img src="https://id.acme.test${path}" alt="" height="32"`);
    expect(mail.html).toContain("Acme ID</p>");
    expect(mail.links).toEqual(["https://id.acme.test/verify-email?token=t"]);
    // a path that is not a logo's is never put in a mail
    const odd = renderEmail(
      "verify_email",
      { verifyUrl: "https://id.acme.test/verify-email?token=t", expiresHours: 24 },
      { productName: "Acme ID", publicOrigin: "https://id.acme.test", logoPath: "//evil.test/x.png" },
    );
    expect(odd.html).not.toContain("<img");
  });

  it("an SVG logo is served under the site's CSP (its script cannot run), and a bad BRAND_LOGO is refused by name", async () => {
    const svg = pageBrowser(testWorker({ env: { BRAND_LOGO: `data:image/svg+xml;base64,${SVG}` } }));
    const path = /src="(\/assets\/logo\.[0-9a-f]{8}\.svg)"/.exec(await (await svg.get("/login")).text())?.[1];
    const served = await svg.get(path as string);
    expect(served.headers.get("content-type")).toBe("image/svg+xml");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("content-security-policy")).toMatch(/script-src 'nonce-[^']+'/);

    for (const bad of [
      "https://cdn.example/logo.png",
      "data:text/html;base64,PGI+",
      "data:image/png;base64,%%%",
    ]) {
      const res = await testWorker({ env: { BRAND_LOGO: bad } }).request("GET", "/health/ready");
      expect(res.status).toBe(503);
      expect(JSON.stringify(await res.json())).toContain("BRAND_LOGO");
    }
  });

  it("shows the product name and support address, and links the brand sheet (immutable, only the current one)", async () => {
    const browser = pageBrowser(testWorker({ env: BRANDED }));
    const html = await (await browser.get("/login")).text();
    expect(html).toContain("<title>Sign in · Acme ID</title>");
    expect(html).toContain('<a class="brand" href="/login">Acme ID</a>');
    expect(html).toContain('<a href="mailto:help@acme.test">help@acme.test</a>');
    const sheet = /href="(\/assets\/brand\.[0-9a-f]{8}\.css)"/.exec(html)?.[1];
    expect(sheet).toBeDefined();
    const css = await browser.get(sheet as string);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(css.headers.get("cache-control")).toContain("immutable");
    expect(await css.text()).toContain("--primary:#7a1fa2");
    expect((await browser.get("/assets/brand.00000000.css")).status).toBe(404);
  });

  it("Gatehouse's own look needs no brand sheet and shows no footer without a support address", async () => {
    const html = await (await pageBrowser(testWorker()).get("/login")).text();
    expect(html).toContain("<title>Sign in · Gatehouse</title>");
    expect(html).not.toContain("/assets/brand.");
    expect(html).not.toContain("mailto:");
  });
});
