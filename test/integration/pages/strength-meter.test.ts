import { describe, expect, it } from "vitest";
import { STRENGTH_METER_PATH } from "../../../src/ui/strength";
import { testWorker } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";

describe("pages: the password-strength meter", () => {
  it("every new-password field carries a (hidden) meter; the loader has the page's nonce and fetches nothing by itself", async () => {
    const browser = pageBrowser(testWorker());
    const res = await browser.get("/register");
    const html = await res.text();
    expect(html).toContain('data-strength="f-password-strength"');
    expect(html).toContain('data-strength-inputs="email,name"');
    expect(html).toMatch(
      /<div class="strength" id="f-password-strength" data-labels="Very weak\|Weak\|Fair\|Good\|Strong" hidden="">/,
    );
    const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    expect(html).toContain(`<script nonce="${nonce}">`);
    // The estimator is not a <script src> of the page: the loader adds it on focus.
    expect(html).not.toContain(`src="${STRENGTH_METER_PATH}"`);
    expect(html).toContain(JSON.stringify(STRENGTH_METER_PATH));

    // The sign-in form's password is not a new password: no meter, and no loader script either.
    const login = await (await browser.get("/login")).text();
    expect(login).not.toContain("data-strength=");
    expect(login).not.toContain(JSON.stringify(STRENGTH_METER_PATH));
  });

  it("serves the estimator bundle fingerprinted and immutable", async () => {
    const res = await pageBrowser(testWorker()).get(STRENGTH_METER_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    expect(res.headers.get("cache-control")).toContain("immutable");
    const body = await res.text();
    expect(body.length).toBeGreaterThan(100_000);
    expect(body).toContain("input[data-strength]");
  });
});
