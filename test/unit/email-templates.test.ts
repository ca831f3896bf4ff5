import { describe, expect, it } from "vitest";
import { type EmailBrand, renderEmail } from "../../src/email/templates";
import { EMAIL_TEMPLATES, type EmailData, type EmailTemplate } from "../../src/email/types";

const brand: EmailBrand = { productName: "Gatehouse", publicOrigin: "https://auth.example.com" };
const url = (path: string) => `https://auth.example.com${path}?token=t0k3n`;

/** The required data of every template, and the links and codes it must report. */
const CASES: Record<EmailTemplate, { data: EmailData; links: string[]; codes: string[] }> = {
  verify_email: {
    data: { verifyUrl: url("/verify"), expiresHours: 24 },
    links: [url("/verify")],
    codes: [],
  },
  password_reset: {
    data: { resetUrl: url("/reset"), expiresMinutes: 30 },
    links: [url("/reset")],
    codes: [],
  },
  device_code: { data: { code: "482913", expiresMinutes: 10 }, links: [], codes: ["482913"] },
  login_approval: {
    data: { approveUrl: url("/approve"), denyUrl: url("/deny"), expiresMinutes: 15 },
    links: [url("/approve"), url("/deny")],
    codes: [],
  },
  security_alert: { data: { event: "Your password was changed." }, links: [], codes: [] },
  token_reuse: { data: {}, links: [], codes: [] },
  session_binding: { data: {}, links: [], codes: [] },
  lockout: { data: { minutes: 15 }, links: [], codes: [] },
  invitation: {
    data: { teamName: "Acme", roleName: "Admin", acceptUrl: url("/invite"), expiresDays: 7 },
    links: [url("/invite")],
    codes: [],
  },
  ownership_transfer: {
    data: {
      teamName: "Acme",
      acceptUrl: url("/transfer/accept"),
      declineUrl: url("/transfer/decline"),
      expiresDays: 3,
    },
    links: [url("/transfer/accept"), url("/transfer/decline")],
    codes: [],
  },
  virtuozzo_reauth: {
    data: { teamName: "Acme", settingsUrl: "https://auth.example.com/teams/t1" },
    links: ["https://auth.example.com/teams/t1"],
    codes: [],
  },
  spend_warning: {
    data: {
      teamName: "Acme",
      kind: "warn",
      percent: 80,
      spent: "$80.00",
      cap: "$100.00",
      month: "2026-12",
      hardStop: "yes",
      usageUrl: "https://auth.example.com/teams/t1",
    },
    links: ["https://auth.example.com/teams/t1"],
    codes: [],
  },
  team_budget_exceeded: {
    data: {
      teamName: "Acme",
      budget: "emails",
      limit: 60,
      window: "hour",
      resetsAt: "2026-12-06 15:00 UTC",
      billingUrl: "https://auth.example.com/teams/t1/billing",
    },
    links: ["https://auth.example.com/teams/t1/billing"],
    codes: [],
  },
  admin_account_locked: { data: {}, links: [], codes: [] },
  admin_account_unlocked: {
    data: { signInUrl: "https://auth.example.com/login" },
    links: ["https://auth.example.com/login"],
    codes: [],
  },
  admin_sessions_revoked: {
    data: { signInUrl: "https://auth.example.com/login" },
    links: ["https://auth.example.com/login"],
    codes: [],
  },
  admin_mfa_reset: {
    data: { signInUrl: "https://auth.example.com/login" },
    links: ["https://auth.example.com/login"],
    codes: [],
  },
};

describe("renderEmail", () => {
  it.each(EMAIL_TEMPLATES)("renders %s with its required data", (template) => {
    const { data, links, codes } = CASES[template];
    const mail = renderEmail(template, data, brand);
    expect(mail.subject.length).toBeGreaterThan(0);
    expect(mail.subject).not.toMatch(/\n/);
    expect(mail.text).toMatch(/^Hi,\n/);
    expect(mail.text).toContain("You received this email because");
    expect(mail.text).toContain("Gatehouse");
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain("You received this email because");
    expect(mail.html).not.toMatch(/<script|<img|<link|@import|url\(/i);
    expect(mail.links).toEqual(links);
    expect(mail.codes).toEqual(codes);
    for (const link of links) {
      expect(mail.text).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
    }
  });

  it.each(EMAIL_TEMPLATES)("reports optional links of %s in the template's order", (template) => {
    const withReset = { ...CASES[template].data, resetUrl: url("/reset") };
    const mail = renderEmail(template, withReset, brand);
    const usesReset = [
      "password_reset",
      "security_alert",
      "token_reuse",
      "session_binding",
      "lockout",
    ].includes(template);
    expect(mail.links).toEqual(usesReset ? [url("/reset")] : CASES[template].links);
  });

  it("greets by name, in quotes, when one is given", () => {
    const mail = renderEmail("lockout", { minutes: 5, name: "Alice" }, brand);
    expect(mail.text).toMatch(/^Hi “Alice”,\n/);
    expect(mail.html).toContain("Hi “Alice”,");
  });

  it("quotes user-chosen names and never lets them render as links", () => {
    const mail = renderEmail(
      "invitation",
      {
        ...CASES.invitation.data,
        name: "www.evil",
        inviterName: "https://evil.example",
        teamName: "evil.com/login",
      },
      brand,
    );
    expect(mail.subject).toBe(
      "“https[:]//evil[.]example” invited you to join “evil[.]com/login” on Gatehouse",
    );
    expect(mail.text).toMatch(/^Hi “www\[\.\]evil”,\n/);
    expect(mail.text).toContain("join the team “evil[.]com/login” on Gatehouse as “Admin”.");
    for (const body of [mail.text, mail.html]) {
      expect(body).not.toContain("evil.com");
      expect(body).not.toContain("https://evil");
      expect(body).not.toContain("www.evil");
    }
    expect(mail.links).toEqual(CASES.invitation.links);
  });

  it("states how long links and codes are valid", () => {
    expect(renderEmail("verify_email", CASES.verify_email.data, brand).text).toContain("valid for 24 hours");
    expect(
      renderEmail("verify_email", { ...CASES.verify_email.data, expiresHours: 1 }, brand).text,
    ).toContain("valid for 1 hour.");
    expect(renderEmail("password_reset", CASES.password_reset.data, brand).text).toContain(
      "valid for 30 minutes",
    );
    expect(renderEmail("lockout", CASES.lockout.data, brand).text).toContain("locked for 15 minutes");
    expect(renderEmail("invitation", CASES.invitation.data, brand).text).toContain("valid for 7 days");
  });

  it("never puts the device code into the subject", () => {
    const mail = renderEmail("device_code", CASES.device_code.data, brand);
    expect(mail.subject).toBe("Approve a sign-in from a new device");
    expect(mail.subject).not.toMatch(/\d/);
    expect(mail.text).toContain("482913");
    expect(mail.html).toContain("482913");
  });

  it("shows the given device details and omits missing ones", () => {
    const mail = renderEmail("device_code", { ...CASES.device_code.data, device: "Firefox on Linux" }, brand);
    expect(mail.text).toContain("Device: Firefox on Linux");
    expect(mail.text).not.toContain("IP address:");
    expect(mail.text).not.toContain("Location:");
    const full = renderEmail(
      "login_approval",
      { ...CASES.login_approval.data, device: "Safari on iOS", ip: "203.0.113.7", location: "Berlin, DE" },
      brand,
    );
    expect(full.text).toContain("Device: Safari on iOS\nIP address: 203.0.113.7\nLocation: Berlin, DE");
    expect(full.html).toContain("203.0.113.7");
    expect(renderEmail("token_reuse", {}, brand).text).not.toContain("Device:");
  });

  it("HTML-escapes interpolated values", () => {
    const evil = "<script>alert(1)</script>";
    const mail = renderEmail(
      "invitation",
      { ...CASES.invitation.data, name: evil, inviterName: `Bob & "Eve"`, teamName: "<b>Acme</b>" },
      brand,
    );
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).not.toContain("<b>Acme");
    expect(mail.html).toContain("Hi “&lt;script&gt;alert(1)&lt;/script&gt;”,");
    expect(mail.html).toContain("“Bob &amp; &quot;Eve&quot;”");
    expect(mail.html).toContain("“&lt;b&gt;Acme&lt;/b&gt;”");
    expect(mail.text).toContain(`Hi “${evil}”,`);
    const alert = renderEmail("security_alert", { event: "<img src=x onerror=alert(1)>" }, brand);
    expect(alert.html).not.toContain("<img");
  });

  it('escapes " in URLs inside href attributes', () => {
    const quoted = 'https://auth.example.com/verify?token=a"onmouseover="alert(1)';
    const mail = renderEmail("verify_email", { verifyUrl: quoted, expiresHours: 24 }, brand);
    expect(mail.links).toEqual([quoted]);
    expect(mail.html).not.toContain('"onmouseover="');
    expect(mail.html).toContain(
      'href="https://auth.example.com/verify?token=a&quot;onmouseover=&quot;alert(1)"',
    );
  });

  it("keeps user-supplied values on one line", () => {
    const mail = renderEmail(
      "invitation",
      { ...CASES.invitation.data, teamName: "Acme\r\nBcc: x@evil" },
      brand,
    );
    expect(mail.subject).toBe("Someone invited you to join “Acme Bcc: x@evil” on Gatehouse");
    expect(mail.text).not.toContain("Acme\r\n");
  });

  it.each([
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/verify?token=relative",
    "ftp://example.com/",
  ])("throws a TypeError for the URL %j", (bad) => {
    expect(() => renderEmail("verify_email", { verifyUrl: bad, expiresHours: 24 }, brand)).toThrow(TypeError);
    expect(() => renderEmail("lockout", { minutes: 5, resetUrl: bad }, brand)).toThrow(/resetUrl/);
  });

  it("throws a TypeError naming a missing required key", () => {
    for (const template of EMAIL_TEMPLATES) {
      for (const key of Object.keys(CASES[template].data)) {
        const data = { ...CASES[template].data };
        delete data[key];
        expect(() => renderEmail(template, data, brand), `${template} without ${key}`).toThrow(TypeError);
        expect(() => renderEmail(template, data, brand), `${template} without ${key}`).toThrow(key);
      }
    }
  });

  it("rejects malformed numbers and codes", () => {
    expect(() => renderEmail("device_code", { code: "12345", expiresMinutes: 10 }, brand)).toThrow(TypeError);
    expect(() => renderEmail("device_code", { code: "abcdef", expiresMinutes: 10 }, brand)).toThrow(/code/);
    expect(() => renderEmail("lockout", { minutes: "soon" }, brand)).toThrow(/minutes/);
  });

  it("rejects an unknown template", () => {
    expect(() => renderEmail("nope" as EmailTemplate, {}, brand)).toThrow(TypeError);
  });
});

describe("spend_warning", () => {
  const data = {
    teamName: "Acme",
    percent: 100,
    spent: "$100.00",
    cap: "$100.00",
    month: "2026-12",
    usageUrl: "https://auth.example.com/teams/t1",
  };
  it("says the cap was reached, and whether usage stops", () => {
    const cap = renderEmail("spend_warning", { ...data, kind: "cap", hardStop: "yes" }, brand);
    expect(cap.subject).toBe("“Acme” reached its monthly spending limit");
    expect(cap.text).toContain("further usage is refused");
    const soft = renderEmail("spend_warning", { ...data, kind: "cap", hardStop: "no" }, brand);
    expect(soft.text).toContain("Usage is not stopped at the limit");
  });
  it("names the percentage at the warning threshold", () => {
    const warn = renderEmail("spend_warning", { ...data, kind: "warn", percent: 80, hardStop: "no" }, brand);
    expect(warn.subject).toBe("“Acme” has used 80% of its monthly spending limit");
    expect(warn.text).toContain("Spent this month: $100.00");
  });
});

describe("team_budget_exceeded", () => {
  it("names the budget, its limit and window, and when it resets", () => {
    const mail = renderEmail(
      "team_budget_exceeded",
      {
        teamName: "Acme",
        budget: "logins",
        limit: 300,
        window: "hour",
        resetsAt: "2026-12-06 15:00 UTC",
        billingUrl: "https://auth.example.com/teams/t1/billing",
      },
      brand,
    );
    expect(mail.subject).toBe("“Acme” reached its limit for logins");
    expect(mail.text).toContain("has reached its limit of 300 logins per hour");
    expect(mail.text).toContain("Resets at: 2026-12-06 15:00 UTC");
    expect(mail.links).toEqual(["https://auth.example.com/teams/t1/billing"]);
  });
});
