import { describe, expect, it } from "vitest";
import devVarsExample from "../../.dev.vars.example?raw";
import { PUBLISHED_DEV_SETTINGS, publishedSettingsIn } from "../../src/platform/dev-settings";

const example = Object.fromEntries(
  [...devVarsExample.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
) as Record<string, string>;

function base64ToBytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

describe("the published development settings (platform/dev-settings.ts)", () => {
  it("are exactly the values .dev.vars.example publishes", () => {
    expect(PUBLISHED_DEV_SETTINGS.JWT_SIGNING_KEYS).toBe(example.JWT_SIGNING_KEYS);
    expect(PUBLISHED_DEV_SETTINGS.ENCRYPTION_KEYS).toBe(example.ENCRYPTION_KEYS);
    expect(PUBLISHED_DEV_SETTINGS.ADMIN_PASSWORD).toBe(example.ADMIN_PASSWORD);
    expect(PUBLISHED_DEV_SETTINGS.TURNSTILE_SECRET_KEY).toBe(example.TURNSTILE_SECRET_KEY);
  });

  it("finds every published value, by key material", () => {
    const [id, key] = (example.ENCRYPTION_KEYS ?? "").split(":");
    const found = publishedSettingsIn({
      JWT_SIGNING_KEYS: example.JWT_SIGNING_KEYS ?? "",
      ENCRYPTION_KEYS: [{ id: `${id}x`, key: base64ToBytes(key ?? "") }],
      TURNSTILE_SECRET_KEY: "3x0000000000000000000000000000000AA",
      EMAIL_PROVIDER: "mailbox",
      ADMIN_PASSWORD: example.ADMIN_PASSWORD,
    });
    expect(found.map((f) => f.variable).sort()).toEqual([
      "ADMIN_PASSWORD",
      "EMAIL_PROVIDER",
      "ENCRYPTION_KEYS",
      "JWT_SIGNING_KEYS",
      "TURNSTILE_SECRET_KEY",
    ]);
  });

  it("finds nothing in values of one's own", () => {
    const found = publishedSettingsIn({
      JWT_SIGNING_KEYS: JSON.stringify({
        current: "k",
        keys: [{ kty: "EC", crv: "P-256", d: "bm90LXRoZS1wdWJsaXNoZWQta2V5", kid: "k" }],
      }),
      ENCRYPTION_KEYS: [{ id: "p", key: new Uint8Array(32).fill(7) }],
      TURNSTILE_SECRET_KEY: "0x4AAAAAAAown",
      EMAIL_PROVIDER: "resend",
      ADMIN_PASSWORD: undefined,
    });
    expect(found).toEqual([]);
  });
});
