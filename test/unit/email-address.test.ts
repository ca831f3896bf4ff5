import { describe, expect, it } from "vitest";
import { isValidEmail, normalizeEmail } from "../../src/platform/email-address";

describe("normalizeEmail", () => {
  it("lower-cases", () => {
    expect(normalizeEmail("Alice@Example.COM")).toBe("alice@example.com");
  });

  it("trims surrounding whitespace (including tabs, newlines and no-break spaces)", () => {
    expect(normalizeEmail("  alice@example.com \n")).toBe("alice@example.com");
    expect(normalizeEmail("\talice@example.com\u00a0")).toBe("alice@example.com");
  });

  it("applies NFKC: full-width characters fold to ASCII", () => {
    expect(normalizeEmail("ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ")).toBe("alice@example.com");
  });

  it("NFD input equals NFC input after normalisation", () => {
    const nfc = "José@Example.com".normalize("NFC");
    const nfd = "José@Example.com".normalize("NFD");
    expect(nfc).not.toBe(nfd);
    expect(normalizeEmail(nfd)).toBe(normalizeEmail(nfc));
    expect(normalizeEmail(nfd)).toBe("josé@example.com".normalize("NFC"));
  });

  it("upper-case non-ASCII letters are lower-cased too", () => {
    expect(normalizeEmail("ÜBER@BEISPIEL.DE")).toBe("über@beispiel.de");
  });

  it("is idempotent", () => {
    const once = normalizeEmail("  Ｊｏｓｅ\u0301@Example.COM ");
    expect(normalizeEmail(once)).toBe(once);
  });

  it("leaves an already normal address unchanged", () => {
    expect(normalizeEmail("用户@例子.广告")).toBe("用户@例子.广告");
    expect(normalizeEmail("bob+tag@example.org")).toBe("bob+tag@example.org");
  });
});

describe("isValidEmail", () => {
  it.each([
    "alice@example.com",
    "a@b.co",
    "first.last+tag@mail.example.co.uk",
    "under_score-dash@example.io",
    "user%route@example.org",
    "x@sub-domain.example.com",
    "123@456.com",
    "o'neil@example.ie",
  ])("accepts ASCII %s", (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    "用户@例子.广告",
    "josé@example.com",
    "δοκιμή@παράδειγμα.δοκιμή",
    "пользователь@пример.рф",
    "अजय@डाटा.भारत",
  ])("accepts Unicode %s (RFC 6531)", (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it("accepts a decomposed (NFD) domain label, whose combining marks are allowed", () => {
    expect(isValidEmail("user@cafe\u0301.fr")).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["no @", "alice.example.com"],
    ["nothing before @", "@example.com"],
    ["nothing after @", "alice@"],
    ["no dot in domain", "alice@localhost"],
    ["space in local part", "al ice@example.com"],
    ["space in domain", "alice@exa mple.com"],
    ["leading space", " alice@example.com"],
    ["trailing space", "alice@example.com "],
    ["tab", "alice\t@example.com"],
    ["double dot in local part", "al..ice@example.com"],
    ["double dot in domain", "alice@example..com"],
    ["local part starts with a dot", ".alice@example.com"],
    ["local part ends with a dot", "alice.@example.com"],
    ["domain starts with a dot", "alice@.example.com"],
    ["domain ends with a dot", "alice@example.com."],
    ["label starts with a hyphen", "alice@-example.com"],
    ["label ends with a hyphen", "alice@example-.com"],
    ["underscore in domain", "alice@exa_mple.com"],
    ["quotes", '"alice"@example.com'],
    ["angle brackets", "<alice@example.com>"],
    ["comma", "alice,bob@example.com"],
    ["semicolon", "alice;bob@example.com"],
    ["colon", "alice:bob@example.com"],
    ["parentheses", "alice(comment)@example.com"],
    ["backslash", "ali\\ce@example.com"],
    ["square brackets", "alice@[127.0.0.1]"],
    ["IP literal domain label", "alice@[IPv6:::1]"],
    ["display name", "Alice <alice@example.com>"],
  ])("rejects: %s (%j)", (_label, email) => {
    expect(isValidEmail(email)).toBe(false);
  });

  it("rejects more than one @ (an unquoted @ is not allowed in the local part)", () => {
    expect(isValidEmail("alice@@example.com")).toBe(false);
    expect(isValidEmail("alice@evil.com@example.com")).toBe(false);
  });

  it("accepts 254 characters and rejects 255", () => {
    const local = "a".repeat(64);
    const label = "b".repeat(63);
    // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254
    const email254 = `${local}@${label}.${label}.${"c".repeat(61)}`;
    expect(email254.length).toBe(254);
    expect(isValidEmail(email254)).toBe(true);
    const email255 = `${local}@${label}.${label}.${"c".repeat(62)}`;
    expect(email255.length).toBe(255);
    expect(isValidEmail(email255)).toBe(false);
  });

  it("rejects a local part over 64 characters", () => {
    expect(isValidEmail(`${"a".repeat(64)}@example.com`)).toBe(true);
    expect(isValidEmail(`${"a".repeat(65)}@example.com`)).toBe(false);
  });

  it("rejects a domain label over 63 characters", () => {
    expect(isValidEmail(`alice@${"d".repeat(63)}.com`)).toBe(true);
    expect(isValidEmail(`alice@${"d".repeat(64)}.com`)).toBe(false);
  });

  it("normalised input of valid addresses validates", () => {
    for (const raw of [
      "  Alice@Example.COM ",
      "ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
      "José@Example.com".normalize("NFD"),
    ]) {
      expect(isValidEmail(normalizeEmail(raw))).toBe(true);
    }
  });
});
