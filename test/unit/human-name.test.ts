import { describe, expect, it } from "vitest";
import { containsLink, mailName } from "../../src/email/link-like";
import { HumanName, humanName } from "../../src/http/schemas";

describe("containsLink: what a mail client could turn into a link", () => {
  it.each([
    "http://evil.example",
    "HTTPS://EVIL",
    "ftp://files",
    "see www.evil",
    "evil.com/login",
    "evil.com",
    "Acme (acme.io)",
    "bob@evil.org",
    "ｅｖｉｌ．ｃｏｍ",
    "evil。com",
    "例子.广告",
    "203.0.113.7",
    "xn--80ak6aa92e.com",
  ])("finds a link in %s", (value) => {
    expect(containsLink(value)).toBe(true);
  });

  it.each([
    "Ada Lovelace",
    "J.R.R. Tolkien",
    "Dr. Who & Co.",
    "Analytical Engines 2.0",
    "O'Brien, Smith & Partners Ltd.",
    "Zoë Straße",
    "v1.2 release team",
    "A.B.C.",
    "Research: phase 2",
  ])("finds none in %s", (value) => {
    expect(containsLink(value)).toBe(false);
  });
});

describe("HumanName (the shared zod refinement)", () => {
  it("refuses links with one clear message and keeps ordinary names", () => {
    const refused = HumanName.safeParse("visit evil.com/login");
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => i.message)).toEqual(["Names cannot contain links."]);
    expect(HumanName.parse("  Ada Lovelace  ")).toBe("Ada Lovelace");
    expect(HumanName.safeParse("").success).toBe(false);
    expect(HumanName.safeParse("x".repeat(101)).success).toBe(false);
  });

  it("takes its own empty-field copy and length", () => {
    const TeamName = humanName({ max: 10, empty: "Enter a team name." });
    expect(TeamName.safeParse(" ").error?.issues[0]?.message).toBe("Enter a team name.");
    expect(TeamName.safeParse("x".repeat(11)).success).toBe(false);
    expect(TeamName.safeParse("www.x").error?.issues[0]?.message).toBe("Names cannot contain links.");
  });
});

describe("mailName: a user-chosen name as a mail shows it", () => {
  it("quotes the name and leaves ordinary names as they are", () => {
    expect(mailName("Ada")).toBe("“Ada”");
    expect(mailName("J.R.R. Tolkien")).toBe("“J.R.R. Tolkien”");
  });

  it("defangs anything link-like (names stored before the rule, names from elsewhere)", () => {
    expect(mailName("evil.com/login")).toBe("“evil[.]com/login”");
    expect(mailName("https://evil.example")).toBe("“https[:]//evil[.]example”");
    expect(mailName("www.evil")).toBe("“www[.]evil”");
    expect(mailName("bob@evil.org")).toBe("“bob@evil[.]org”");
    expect(containsLink(mailName("go to http://a.b.c/x now"))).toBe(false);
  });
});
