import { describe, expect, it } from "vitest";
import devVars from "../../.dev.vars.example?raw";
import { renderEmail } from "../../src/email/templates";
import { contrastRatio, parseConfig } from "../../src/platform/config";
import { brandStylesheet } from "../../src/ui/brand";

const base = Object.fromEntries(
  [...devVars.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
);
const env = (extra: Record<string, string>) =>
  ({
    ...base,
    ENVIRONMENT: "test",
    PUBLIC_ORIGIN: "http://localhost:8787",
    EMAIL_FROM: "x <x@y.z>",
    ...extra,
  }) as never;

describe("contrastRatio (WCAG 2.x)", () => {
  it("matches the published reference values", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    // #767676 is the lightest grey that passes AA on white; #777777 just fails it.
    expect(contrastRatio("#767676", "#ffffff")).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio("#777777", "#ffffff")).toBeLessThan(4.5);
    expect(contrastRatio("#ffffff", "#777777")).toBeCloseTo(contrastRatio("#777777", "#ffffff"), 10);
  });
});

describe("brand configuration", () => {
  it("defaults to Gatehouse's look", () => {
    const parsed = parseConfig(env({}));
    expect(parsed.ok && parsed.config.PRODUCT_NAME).toBe("Gatehouse");
    expect(parsed.ok && parsed.config.BRAND_COLOR).toBe("#0b5cad");
  });

  it("refuses a colour that is not #rrggbb or is unreadable (below 4.5:1)", () => {
    for (const [variable, value] of [
      ["BRAND_COLOR", "blue"],
      ["BRAND_COLOR", "#ffff00"],
      ["BRAND_COLOR_DARK", "#1b1f24"],
    ] as const) {
      const parsed = parseConfig(env({ [variable]: value }));
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.variables).toContain(variable);
    }
    const ok = parseConfig(env({ BRAND_COLOR: "#7A1FA2", SUPPORT_EMAIL: "help@acme.test" }));
    expect(ok.ok && ok.config.BRAND_COLOR).toBe("#7a1fa2");
    expect(parseConfig(env({ SUPPORT_EMAIL: "not an address" })).ok).toBe(false);
  });

  it("the brand sheet overrides the colour properties for both schemes", () => {
    const css = brandStylesheet({
      productName: "Acme",
      supportEmail: null,
      color: "#7a1fa2",
      colorDark: "#c792ea",
      logo: null,
    });
    expect(css).toBe(":root{--primary:#7a1fa2}@media (prefers-color-scheme: dark){:root{--primary:#c792ea}}");
  });

  it("mails carry the product name and the accent colour", () => {
    const mail = renderEmail(
      "password_reset",
      { resetUrl: "https://auth.acme.test/reset-password?token=t", expiresMinutes: 60 },
      { productName: "Acme ID", publicOrigin: "https://auth.acme.test", accentColor: "#7a1fa2" },
    );
    expect(mail.text).toContain("Acme ID");
    expect(mail.html).toContain("background:#7a1fa2;");
    expect(mail.html).not.toContain("#0b5cad");
    expect(() =>
      renderEmail(
        "token_reuse",
        {},
        { productName: "A", publicOrigin: "https://a.test", accentColor: "red;x" },
      ),
    ).toThrow(TypeError);
  });
});
