import { describe, expect, it } from "vitest";
import {
  SLUG_MAX,
  SLUG_MESSAGES,
  SLUG_MIN,
  slugCandidates,
  slugify,
  validateSlug,
} from "../../src/features/teams/slug";

describe("validateSlug", () => {
  it("limits are 3..48", () => {
    expect(SLUG_MIN).toBe(3);
    expect(SLUG_MAX).toBe(48);
  });

  it.each(["abc", "acme", "acme-corp", "a1b2", "123", "team-42-x", "a-b-c", "a".repeat(48)])(
    "accepts %s",
    (slug) => {
      expect(validateSlug(slug)).toEqual({ ok: true, value: slug });
    },
  );

  it.each(["", "a", "ab"])("too_short: %j", (slug) => {
    expect(validateSlug(slug)).toEqual({ ok: false, reason: "too_short" });
  });

  it("too_long: 49 characters", () => {
    expect(validateSlug("a".repeat(49))).toEqual({ ok: false, reason: "too_long" });
  });

  it.each([
    ["upper case", "Acme"],
    ["double hyphen", "a--b"],
    ["leading hyphen", "-abc"],
    ["trailing hyphen", "abc-"],
    ["underscore", "a_b_c"],
    ["space", "acme corp"],
    ["dot", "acme.io"],
    ["non-ASCII letter", "café"],
    ["slash", "acme/x"],
    ["only hyphens", "---"],
  ])("invalid_characters: %s (%j)", (_label, slug) => {
    expect(validateSlug(slug)).toEqual({ ok: false, reason: "invalid_characters" });
  });

  it.each(["admin", "api", "login", "www", "teams", "gatehouse", "oauth2", "settings", "new"])(
    "reserved: %s",
    (slug) => {
      expect(validateSlug(slug)).toEqual({ ok: false, reason: "reserved" });
    },
  );

  it("a reserved word with a suffix is fine", () => {
    expect(validateSlug("admin-team")).toEqual({ ok: true, value: "admin-team" });
    expect(validateSlug("api2")).toEqual({ ok: true, value: "api2" });
  });

  it("checks length before characters (a short invalid slug is too_short)", () => {
    expect(validateSlug("A")).toEqual({ ok: false, reason: "too_short" });
    expect(validateSlug("A".repeat(49))).toEqual({ ok: false, reason: "too_long" });
  });

  it("has a message for every rejection", () => {
    for (const reason of ["too_short", "too_long", "invalid_characters", "reserved"] as const) {
      expect(SLUG_MESSAGES[reason].length).toBeGreaterThan(5);
    }
    expect(SLUG_MESSAGES.too_long).toContain("48");
    expect(SLUG_MESSAGES.too_short).toContain("3");
  });
});

describe("slugify", () => {
  it.each([
    ["Acme", "acme"],
    ["Acme Corp", "acme-corp"],
    ["Café Ünïcode", "cafe-unicode"],
    ["Crème Brûlée Ltd", "creme-brulee-ltd"],
    ["Ångström Labs", "angstrom-labs"],
    ["Acme & Co. (EU)!", "acme-co-eu"],
    ["R&D___Team 2024", "r-d-team-2024"],
    ["  --Hello, World--  ", "hello-world"],
    ["...dots...", "dots"],
    ["one    two\tthree\nfour", "one-two-three-four"],
    ["Team 🚀 Rocket", "team-rocket"],
  ])("%j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("drops diacritics in decomposed (NFD) input too", () => {
    expect(slugify("Café Ünïcode".normalize("NFD"))).toBe("cafe-unicode");
  });

  it("folds compatibility characters (NFKD)", () => {
    expect(slugify("Ａｃｍｅ")).toBe("acme");
    expect(slugify("ﬁnance")).toBe("finance");
  });

  it.each(["東京チーム", "Команда", "فريق", "🚀🚀🚀", "!!!", "", "   "])(
    "returns null when nothing usable remains: %j",
    (name) => {
      expect(slugify(name)).toBeNull();
    },
  );

  it("returns null when fewer than 3 characters remain", () => {
    expect(slugify("AB")).toBeNull();
    expect(slugify("a-b")).toBe("a-b");
    expect(slugify("東京 AB")).toBeNull();
  });

  it.each([
    ["Admin", "admin-team"],
    ["API", "api-team"],
    ["  Login  ", "login-team"],
    ["Gatehouse", "gatehouse-team"],
  ])("a reserved result gets a -team suffix: %j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("caps the length at 48 without a trailing hyphen", () => {
    const name = `${"a".repeat(47)} tail`; // "aaa…a-tail": the cut at 48 falls right after the hyphen
    const slug = slugify(name);
    expect(slug).toBe("a".repeat(47));
    expect(slug?.endsWith("-")).toBe(false);
  });

  it("caps a long multi-word name at 48 characters", () => {
    const slug = slugify("The Quick Brown Fox Jumps Over The Lazy Dog And Keeps Running Far Away");
    expect(slug).not.toBeNull();
    expect(slug?.length).toBeLessThanOrEqual(SLUG_MAX);
    expect(slug).toBe("the-quick-brown-fox-jumps-over-the-lazy-dog-and");
  });

  it("every non-null result validates", () => {
    const names = [
      "Acme",
      "Café Ünïcode",
      "Admin",
      `${"a".repeat(47)} tail`,
      "x".repeat(200),
      "-- Mixed 東京 Names 42 --",
      "settings",
      "Über-Team",
    ];
    for (const name of names) {
      const slug = slugify(name);
      expect(slug).not.toBeNull();
      expect(validateSlug(slug as string)).toEqual({ ok: true, value: slug });
    }
  });
});

describe("slugCandidates", () => {
  it("tries the base, then -2..-5, then the random suffixes, in that order", () => {
    const suffixes = ["x7k2", "9qpa", "m3zz"];
    let i = 0;
    const candidates = slugCandidates("acme", () => suffixes[i++] as string);
    expect(candidates).toEqual([
      "acme",
      "acme-2",
      "acme-3",
      "acme-4",
      "acme-5",
      "acme-x7k2",
      "acme-9qpa",
      "acme-m3zz",
    ]);
    expect(i).toBe(3);
  });

  it("calls the random suffix source exactly three times", () => {
    let calls = 0;
    slugCandidates("acme", () => {
      calls++;
      return "abcd";
    });
    expect(calls).toBe(3);
  });

  it("trims a 48-character base so that every candidate stays within 48", () => {
    const base = "a".repeat(48);
    const candidates = slugCandidates(base, () => "r4nd0m");
    expect(candidates[0]).toBe(base);
    expect(candidates[1]).toBe(`${"a".repeat(46)}-2`);
    expect(candidates[5]).toBe(`${"a".repeat(41)}-r4nd0m`);
    for (const c of candidates) expect(c.length).toBeLessThanOrEqual(SLUG_MAX);
  });

  it("does not leave a double hyphen where the trim falls after a hyphen", () => {
    const base = `${"a".repeat(45)}-bc`; // 48 characters; a 2-character cut lands right after the hyphen
    expect(base.length).toBe(48);
    const candidates = slugCandidates(base, () => "zz99");
    expect(candidates[1]).toBe(`${"a".repeat(45)}-2`);
    for (const c of candidates) expect(c).not.toContain("--");
  });

  it.each([
    "abc",
    "acme",
    "acme-corp",
    "a".repeat(48),
    `${"a".repeat(45)}-bc`,
    `${"ab-".repeat(15)}abc`,
    "admin-team",
  ])("every candidate for %j validates and is ≤ 48 characters", (base) => {
    expect(validateSlug(base).ok).toBe(true);
    const randoms = ["k3", "q9x2b7", "zz00zz00"];
    let i = 0;
    const candidates = slugCandidates(base, () => randoms[i++ % randoms.length] as string);
    expect(candidates).toHaveLength(8);
    expect(new Set(candidates).size).toBe(8);
    for (const c of candidates) {
      expect(c.length).toBeLessThanOrEqual(SLUG_MAX);
      expect(validateSlug(c)).toEqual({ ok: true, value: c });
    }
  });

  it("works on a slugify result end to end", () => {
    const base = slugify("Café Ünïcode") as string;
    const candidates = slugCandidates(base, () => "abcd");
    expect(candidates.slice(0, 3)).toEqual(["cafe-unicode", "cafe-unicode-2", "cafe-unicode-3"]);
  });
});
