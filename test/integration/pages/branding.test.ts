import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

const BRANDED = {
  PRODUCT_NAME: "Acme ID",
  SUPPORT_EMAIL: "help@acme.test",
  BRAND_COLOR: "#7a1fa2",
  BRAND_COLOR_DARK: "#c792ea",
};

describe("pages: branding from configuration", () => {
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
