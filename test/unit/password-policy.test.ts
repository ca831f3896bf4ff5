import { afterEach, describe, expect, it, vi } from "vitest";
import {
  checkPasswordPolicy,
  commonPasswordCount,
  isCommonPassword,
  normalizePassword,
  PASSWORD_MAX_INPUT,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MESSAGES,
  PASSWORD_MIN_LENGTH,
  type PasswordRejection,
} from "../../src/crypto/password-policy";

/** An 8-character password that is in no list: the unit the length tests are built from. */
const UNCOMMON8 = "Zq7#mK2p";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("constants and messages", () => {
  it("are NIST SP 800-63B's 8..128 with a 1024 raw-input cap", () => {
    expect(PASSWORD_MIN_LENGTH).toBe(8);
    expect(PASSWORD_MAX_LENGTH).toBe(128);
    expect(PASSWORD_MAX_INPUT).toBe(1024);
  });

  it("has a non-empty message for every rejection, quoting the limits", () => {
    const reasons: PasswordRejection[] = ["too_short", "too_long", "common", "contains_email", "breached"];
    for (const reason of reasons) expect(PASSWORD_MESSAGES[reason].length).toBeGreaterThan(10);
    expect(PASSWORD_MESSAGES.too_short).toContain("8");
    expect(PASSWORD_MESSAGES.too_long).toContain("128");
  });
});

describe("length, counted in code points after NFKC", () => {
  it("the test password is not itself common", () => {
    expect(isCommonPassword(UNCOMMON8)).toBe(false);
  });

  it("7 characters → too_short, 8 → ok", () => {
    expect(checkPasswordPolicy(UNCOMMON8.slice(0, 7))).toEqual({ ok: false, reason: "too_short" });
    expect(checkPasswordPolicy(UNCOMMON8)).toEqual({ ok: true, value: UNCOMMON8 });
  });

  it("empty → too_short", () => {
    expect(checkPasswordPolicy("")).toEqual({ ok: false, reason: "too_short" });
  });

  it("128 characters → ok, 129 → too_long", () => {
    const max = UNCOMMON8.repeat(16);
    expect(max.length).toBe(128);
    expect(checkPasswordPolicy(max)).toEqual({ ok: true, value: max });
    expect(checkPasswordPolicy(`${max}x`)).toEqual({ ok: false, reason: "too_long" });
  });

  it("an emoji counts once, though it is two UTF-16 code units", () => {
    const lock = "🔒";
    expect(lock.length).toBe(2);
    expect(checkPasswordPolicy(lock.repeat(7))).toEqual({ ok: false, reason: "too_short" }); // 14 code units
    expect(checkPasswordPolicy(lock.repeat(8))).toEqual({ ok: true, value: lock.repeat(8) });
    expect(checkPasswordPolicy(lock.repeat(128))).toEqual({ ok: true, value: lock.repeat(128) }); // 256 code units
    expect(checkPasswordPolicy(lock.repeat(129))).toEqual({ ok: false, reason: "too_long" });
  });

  it("mixed astral and BMP characters are counted per code point", () => {
    expect(checkPasswordPolicy("😀😀😀😀abc")).toEqual({ ok: false, reason: "too_short" }); // 7 code points
    expect(checkPasswordPolicy("😀😀😀😀abcd")).toEqual({ ok: true, value: "😀😀😀😀abcd" }); // 8 code points
  });

  it("counts after normalisation: decomposed accents compose first", () => {
    const nfd7 = "éàüöîçñ".normalize("NFD");
    expect([...nfd7].length).toBe(14);
    expect(checkPasswordPolicy(nfd7)).toEqual({ ok: false, reason: "too_short" });
    const nfd8 = "éàüöîçñø".normalize("NFD");
    expect(checkPasswordPolicy(nfd8)).toEqual({ ok: true, value: "éàüöîçñø".normalize("NFC") });
  });

  it("counts after normalisation: compatibility ligatures expand first", () => {
    // "ﬁ" (U+FB01) is one character that NFKC turns into "fi"
    const ligatures = "ﬁﬁﬁﬁ";
    expect(ligatures.length).toBe(4);
    expect(isCommonPassword("fifififi")).toBe(false);
    expect(checkPasswordPolicy(ligatures)).toEqual({ ok: true, value: "fifififi" });
  });

  it("raw input over 1024 code units → too_long, before any normalisation work", () => {
    const normalize = vi.spyOn(String.prototype, "normalize");
    expect(checkPasswordPolicy("a".repeat(PASSWORD_MAX_INPUT + 1))).toEqual({
      ok: false,
      reason: "too_long",
    });
    expect(checkPasswordPolicy("🔒".repeat(513))).toEqual({ ok: false, reason: "too_long" }); // 1026 code units
    expect(normalize).not.toHaveBeenCalled();
  });

  it("raw input of exactly 1024 code units is normalised (then rejected on its length)", () => {
    const normalize = vi.spyOn(String.prototype, "normalize");
    expect(checkPasswordPolicy("a".repeat(PASSWORD_MAX_INPUT))).toEqual({ ok: false, reason: "too_long" });
    expect(normalize).toHaveBeenCalled();
  });

  it("a long password that is not too long for the raw cap but has over 128 code points → too_long", () => {
    expect(checkPasswordPolicy("x".repeat(500))).toEqual({ ok: false, reason: "too_long" });
  });
});

describe("common passwords", () => {
  it("the block-list holds at least 10,000 entries", () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
  });

  it.each(["password", "qwerty123", "iloveyou", "baseball", "sunshine", "12345678"])(
    "%s is on the list and rejected",
    (password) => {
      expect(isCommonPassword(password)).toBe(true);
      expect(checkPasswordPolicy(password)).toEqual({ ok: false, reason: "common" });
    },
  );

  it.each([
    ["PASSWORD", "password"],
    ["PassWord", "password"],
    ["QWERTY123", "qwerty123"],
    ["ILoveYou", "iloveyou"],
  ])("%s is rejected case-insensitively (as %s)", (password) => {
    expect(isCommonPassword(password)).toBe(true);
    expect(checkPasswordPolicy(password)).toEqual({ ok: false, reason: "common" });
  });

  it("Password1 is on the list (as password1), so the policy rejects it", () => {
    expect(isCommonPassword("password1")).toBe(true);
    expect(isCommonPassword("Password1")).toBe(true);
    expect(checkPasswordPolicy("Password1")).toEqual({ ok: false, reason: "common" });
  });

  it("a full-width spelling of a common password is caught after NFKC", () => {
    const fullWidth = "ｐａｓｓｗｏｒｄ";
    expect(isCommonPassword(fullWidth)).toBe(false);
    expect(checkPasswordPolicy(fullWidth)).toEqual({ ok: false, reason: "common" });
  });

  it("uncommon passwords pass and are returned (normalised)", () => {
    expect(isCommonPassword("correct horse battery staple")).toBe(false);
    expect(checkPasswordPolicy("correct horse battery staple")).toEqual({
      ok: true,
      value: "correct horse battery staple",
    });
  });

  it("a common password with something appended is not an exact match and passes", () => {
    expect(isCommonPassword("password-for-gatehouse-7")).toBe(false);
    expect(checkPasswordPolicy("password-for-gatehouse-7").ok).toBe(true);
  });

  it("checks length before the list: a short common password is too_short", () => {
    expect(isCommonPassword("123456")).toBe(true);
    expect(checkPasswordPolicy("123456")).toEqual({ ok: false, reason: "too_short" });
  });

  it("commonPasswordCount is stable across calls", () => {
    expect(commonPasswordCount()).toBe(commonPasswordCount());
  });
});

describe("contains_email", () => {
  const email = "alice.smith@example.com";

  it("rejects a password containing the full email", () => {
    expect(checkPasswordPolicy("alice.smith@example.com", { email })).toEqual({
      ok: false,
      reason: "contains_email",
    });
    expect(checkPasswordPolicy("my alice.smith@example.com pw", { email })).toEqual({
      ok: false,
      reason: "contains_email",
    });
  });

  it("rejects a password containing the local part (≥ 4 characters), whatever its case", () => {
    expect(checkPasswordPolicy("xxalice.smithyy", { email })).toEqual({
      ok: false,
      reason: "contains_email",
    });
    expect(checkPasswordPolicy("XXALICE.SMITHYY", { email })).toEqual({
      ok: false,
      reason: "contains_email",
    });
  });

  it("a 4-character local part counts", () => {
    expect(checkPasswordPolicy("dave-rocks-99", { email: "dave@example.com" })).toEqual({
      ok: false,
      reason: "contains_email",
    });
  });

  it("a 3-character local part alone does not count, but the full email still does", () => {
    const bob = "bob@example.com";
    expect(checkPasswordPolicy("bobsecurepass42", { email: bob })).toEqual({
      ok: true,
      value: "bobsecurepass42",
    });
    expect(checkPasswordPolicy("hi-bob@example.com-42", { email: bob })).toEqual({
      ok: false,
      reason: "contains_email",
    });
  });

  it("a password unrelated to the email passes", () => {
    expect(checkPasswordPolicy("tangerine-harbour-51", { email })).toEqual({
      ok: true,
      value: "tangerine-harbour-51",
    });
  });

  it("without an email in the context, no email check happens", () => {
    expect(checkPasswordPolicy("alice.smith@example.com")).toEqual({
      ok: true,
      value: "alice.smith@example.com",
    });
    expect(checkPasswordPolicy("alice.smith@example.com", {})).toEqual({
      ok: true,
      value: "alice.smith@example.com",
    });
    expect(checkPasswordPolicy("alice.smith@example.com", { email: "" })).toEqual({
      ok: true,
      value: "alice.smith@example.com",
    });
  });

  it("a common password is reported as common before contains_email", () => {
    expect(checkPasswordPolicy("password", { email: "password@example.com" })).toEqual({
      ok: false,
      reason: "common",
    });
  });
});

describe("normalisation", () => {
  it("NFC and NFD input of the same password normalise to the same value", () => {
    const nfc = "Crème-brûlée-42".normalize("NFC");
    const nfd = "Crème-brûlée-42".normalize("NFD");
    expect(nfc).not.toBe(nfd);
    expect(normalizePassword(nfc)).toBe(normalizePassword(nfd));
    const a = checkPasswordPolicy(nfc);
    const b = checkPasswordPolicy(nfd);
    expect(a).toEqual({ ok: true, value: nfc });
    expect(b).toEqual(a);
  });

  it("NFKC folds compatibility characters (full-width letters and digits)", () => {
    expect(normalizePassword("Ｔｅｓｔ１２３４")).toBe("Test1234");
    expect(checkPasswordPolicy("Ｔａｎｇｅｒｉｎｅ９")).toEqual({ ok: true, value: "Tangerine9" });
  });

  it("does not change case or strip spaces", () => {
    expect(normalizePassword("  Mixed Case  ")).toBe("  Mixed Case  ");
    expect(checkPasswordPolicy("  Tangerine  ")).toEqual({ ok: true, value: "  Tangerine  " });
  });

  it("is idempotent", () => {
    const once = normalizePassword("ﬁＡé".normalize("NFD"));
    expect(normalizePassword(once)).toBe(once);
    expect(once).toBe("fiAé");
  });
});
