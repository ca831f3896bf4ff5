import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Env, parseConfig } from "../../src/platform/config";

/** The email providers' configuration rules (src/platform/config/index.ts, docs/email-delivery.md). */
function parse(vars: Record<string, string | undefined>) {
  return parseConfig({
    ...(env as unknown as Env),
    EMAIL_PROVIDER: "resend",
    EMAIL_API_KEY: "re_key",
    ...vars,
  });
}

describe("email configuration", () => {
  it("takes a secondary of another kind, or of the same kind at another URL", () => {
    const other = parse({ EMAIL_SECONDARY_PROVIDER: "postmark", EMAIL_SECONDARY_API_KEY: "pm" });
    expect(other.ok).toBe(true);
    const sameKind = parse({
      EMAIL_SECONDARY_PROVIDER: "resend",
      EMAIL_SECONDARY_API_KEY: "re_other",
      EMAIL_SECONDARY_API_URL: "https://eu.resend.example/emails",
    });
    expect(sameKind.ok).toBe(true);
  });

  it("refuses a secondary without its key, or identical to the primary", () => {
    expect(parse({ EMAIL_SECONDARY_PROVIDER: "postmark" })).toMatchObject({
      ok: false,
      variables: ["EMAIL_SECONDARY_API_KEY"],
    });
    expect(parse({ EMAIL_SECONDARY_PROVIDER: "resend", EMAIL_SECONDARY_API_KEY: "re_other" })).toMatchObject({
      ok: false,
      variables: ["EMAIL_SECONDARY_PROVIDER"],
    });
    expect(parse({ EMAIL_SECONDARY_PROVIDER: "mailbox", EMAIL_SECONDARY_API_KEY: "x" }).ok).toBe(false);
  });

  it("checks the webhook secrets' form", () => {
    expect(parse({ EMAIL_RESEND_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }).ok).toBe(true);
    expect(parse({ EMAIL_RESEND_WEBHOOK_SECRET: "not-a-secret" })).toMatchObject({
      ok: false,
      variables: ["EMAIL_RESEND_WEBHOOK_SECRET"],
    });
    expect(parse({ EMAIL_POSTMARK_WEBHOOK_AUTH: "hooks:0123456789abcdef" }).ok).toBe(true);
    expect(parse({ EMAIL_POSTMARK_WEBHOOK_AUTH: "hooks:short" }).ok).toBe(false);
    expect(parse({ EMAIL_POSTMARK_WEBHOOK_AUTH: "no-colon-at-all-here" }).ok).toBe(false);
  });
});
