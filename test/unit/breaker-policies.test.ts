import { describe, expect, it } from "vitest";
import type { Config } from "../../src/platform/config";
import {
  configuredDependencies,
  emailDependencies,
  familyOf,
  policyOf,
  virtuozzoDependency,
} from "../../src/platform/outbound/policies";

const config = (c: Partial<Config>) => ({ HIBP_ENABLED: true, EMAIL_PROVIDER: "mailbox", ...c }) as Config;

describe("outbound dependency policies", () => {
  it("declares one policy per family, read from the dependency's name", () => {
    expect(policyOf("turnstile")).toBe("fail-closed");
    expect(policyOf("hibp")).toBe("fail-open");
    expect(policyOf("email:resend")).toBe("failover-then-queue");
    expect(policyOf("email:postmark-secondary")).toBe("failover-then-queue");
    expect(policyOf("virtuozzo:app.jelastic.com")).toBe("fail-closed");
    expect(policyOf("test:1")).toBeNull();
    expect(familyOf("toString")).toBeNull();
  });

  it("names a Virtuozzo breaker by the API's host (port included, case folded)", () => {
    expect(virtuozzoDependency("https://App.Jelastic.com/1.0/x")).toBe("virtuozzo:app.jelastic.com");
    expect(virtuozzoDependency("http://127.0.0.1:8790")).toBe("virtuozzo:127.0.0.1:8790");
  });

  it("lists the configured email providers as the delivery pipeline names their breakers", () => {
    expect(emailDependencies(config({}))).toEqual([]);
    expect(emailDependencies(config({ EMAIL_PROVIDER: "resend" }))).toEqual(["email:resend"]);
    expect(
      emailDependencies(config({ EMAIL_PROVIDER: "resend", EMAIL_SECONDARY_PROVIDER: "postmark" })),
    ).toEqual(["email:resend", "email:postmark"]);
    expect(
      emailDependencies(config({ EMAIL_PROVIDER: "postmark", EMAIL_SECONDARY_PROVIDER: "postmark" })),
    ).toEqual(["email:postmark", "email:postmark-secondary"]);
  });

  it("always lists Turnstile, HIBP when enabled, and the email providers", () => {
    expect(configuredDependencies(config({ EMAIL_PROVIDER: "resend" }))).toEqual([
      "turnstile",
      "hibp",
      "email:resend",
    ]);
    expect(configuredDependencies(config({ HIBP_ENABLED: false }))).toEqual(["turnstile"]);
  });
});
