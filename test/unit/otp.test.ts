import { describe, expect, it } from "vitest";
import {
  base32Secret,
  generateRecoveryCodes,
  generateTotpSecret,
  isRecoveryCodeShape,
  matchTotp,
  normalizeRecoveryCode,
  qrSvg,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_LENGTH,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  totpCode,
  totpCounter,
  totpUri,
} from "../../src/crypto/otp";

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
/** The RFC 4226 Appendix D / RFC 6238 Appendix B SHA-1 secret. */
const RFC_SECRET = new TextEncoder().encode("12345678901234567890");

describe("totpCode (RFC 4226 Appendix D HOTP vectors)", () => {
  it.each([
    [0, "755224"],
    [1, "287082"],
    [2, "359152"],
    [3, "969429"],
    [4, "338314"],
    [5, "254676"],
    [6, "287922"],
    [7, "162583"],
    [8, "399871"],
    [9, "520489"],
  ])("counter %i → %s", (counter, code) => {
    expect(totpCode(RFC_SECRET, counter)).toBe(code);
  });
});

describe("totpCounter + totpCode (RFC 6238 Appendix B, SHA-1, 8 digits)", () => {
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ])("T = %i s → %s", (seconds, code) => {
    expect(totpCode(RFC_SECRET, totpCounter(seconds * 1000), 8)).toBe(code);
  });

  it("uses 30-second steps from the Unix epoch", () => {
    expect(TOTP_PERIOD_SECONDS).toBe(30);
    expect(TOTP_DIGITS).toBe(6);
    expect(totpCounter(0)).toBe(0);
    expect(totpCounter(29_999)).toBe(0);
    expect(totpCounter(30_000)).toBe(1);
    expect(totpCounter(59_000)).toBe(1);
    expect(totpCounter(120_000, 60)).toBe(2);
  });

  it("throws TypeError on misuse", () => {
    expect(() => totpCounter(Number.NaN)).toThrow(TypeError);
    expect(() => totpCounter(-1)).toThrow(TypeError);
    expect(() => totpCounter(1000, 0)).toThrow(TypeError);
    expect(() => totpCode(RFC_SECRET, 0, 5)).toThrow(TypeError);
    expect(() => totpCode(RFC_SECRET, 0, 9)).toThrow(TypeError);
    expect(() => totpCode(RFC_SECRET, -1)).toThrow(TypeError);
    expect(() => totpCode(RFC_SECRET, 1.5)).toThrow(TypeError);
    expect(() => totpCode(new Uint8Array(15), 0)).toThrow(TypeError);
  });
});

describe("generateTotpSecret / base32Secret", () => {
  it("asks the injected source for 20 bytes and returns them", () => {
    const requested: number[] = [];
    const secret = generateTotpSecret((n) => {
      requested.push(n);
      return new Uint8Array(n).fill(7);
    });
    expect(requested).toEqual([20]);
    expect(secret).toEqual(new Uint8Array(20).fill(7));
  });

  it("rejects a random source that returns the wrong length", () => {
    expect(() => generateTotpSecret(() => new Uint8Array(10))).toThrow(TypeError);
  });

  it("encodes RFC 4648 base32, upper case, unpadded", () => {
    // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======"
    expect(base32Secret(new TextEncoder().encode("foobar"))).toBe("MZXW6YTBOI");
    expect(base32Secret(RFC_SECRET)).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(base32Secret(generateTotpSecret(randomBytes))).toMatch(/^[A-Z2-7]{32}$/);
  });
});

describe("matchTotp", () => {
  const nowMs = 1111111111 * 1000 + 123;
  const now = totpCounter(nowMs);

  it.each([-1, 0, 1])("accepts the code of step now%+i and returns that step", (offset) => {
    const code = totpCode(RFC_SECRET, now + offset);
    expect(matchTotp(RFC_SECRET, code, nowMs)).toBe(now + offset);
  });

  it.each([-2, 2])("rejects the code of step now%+i", (offset) => {
    const code = totpCode(RFC_SECRET, now + offset);
    // these vectors are not accidentally equal to a code inside the window
    for (const inWindow of [-1, 0, 1]) expect(totpCode(RFC_SECRET, now + inWindow)).not.toBe(code);
    expect(matchTotp(RFC_SECRET, code, nowMs)).toBeNull();
  });

  it("honours window and digits options", () => {
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 1), nowMs, { window: 0 })).toBeNull();
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 2), nowMs, { window: 2 })).toBe(now + 2);
    expect(matchTotp(RFC_SECRET, "14050471", 1111111111 * 1000, { digits: 8 })).toBe(now);
    expect(matchTotp(RFC_SECRET, "14050471", 1111111111 * 1000)).toBeNull();
  });

  it("ignores spaces in the code", () => {
    const code = totpCode(RFC_SECRET, now);
    expect(matchTotp(RFC_SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, nowMs)).toBe(now);
    expect(matchTotp(RFC_SECRET, ` ${code} `, nowMs)).toBe(now);
  });

  it("does not look before step 0", () => {
    expect(matchTotp(RFC_SECRET, "755224", 0)).toBe(0);
    expect(matchTotp(RFC_SECRET, "287082", 0)).toBe(1);
  });

  it("rejects malformed codes with null, without throwing", () => {
    const code = totpCode(RFC_SECRET, now);
    for (const bad of [
      "",
      "      ",
      code.slice(0, 5),
      `${code}0`,
      `${code.slice(0, 5)}a`,
      "12345x",
      "-12345",
      "+12345",
      "1e5000",
      "１２３４５６", // full-width digits
      "١٢٣٤٥٦", // Arabic-Indic digits
      `${code}\u0000`,
      "9".repeat(1024 * 1024),
      `${code}${" ".repeat(1024 * 1024)}`,
    ]) {
      expect(matchTotp(RFC_SECRET, bad, nowMs)).toBeNull();
    }
  });

  it("throws TypeError on misuse", () => {
    const code = totpCode(RFC_SECRET, now);
    expect(() => matchTotp(new Uint8Array(8), code, nowMs)).toThrow(TypeError);
    expect(() => matchTotp(RFC_SECRET, code, nowMs, { digits: 5 })).toThrow(TypeError);
    expect(() => matchTotp(RFC_SECRET, code, nowMs, { digits: 9 })).toThrow(TypeError);
    expect(() => matchTotp(RFC_SECRET, code, nowMs, { window: -1 })).toThrow(TypeError);
    expect(() => matchTotp(RFC_SECRET, code, nowMs, { window: 0.5 })).toThrow(TypeError);
    expect(() => matchTotp(RFC_SECRET, code, Number.NaN)).toThrow(TypeError);
  });
});

describe("totpUri (Key Uri Format)", () => {
  function parse(uri: string) {
    const url = new URL(uri);
    return {
      url,
      label: decodeURIComponent(url.pathname.slice(1)),
      params: Object.fromEntries(url.searchParams),
    };
  }

  it("carries label, secret, issuer, SHA1, 6 digits and 30 s", () => {
    const uri = totpUri(RFC_SECRET, "Gatehouse", "account@example.com");
    const { url, label, params } = parse(uri);
    expect(url.protocol).toBe("otpauth:");
    expect(url.host).toBe("totp");
    expect(label).toBe("Gatehouse:account@example.com");
    expect(params).toEqual({
      secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
      issuer: "Gatehouse",
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
  });

  it("percent-encodes special characters in issuer and account (spaces as %20, not +)", () => {
    const issuer = "Acme & Sons / Ü? #1 100%";
    const account = "o'brien+2fa@example.com";
    const uri = totpUri(RFC_SECRET, issuer, account);
    expect(uri).not.toContain(" ");
    expect(uri).toContain("issuer=Acme%20%26%20Sons%20%2F%20%C3%9C%3F%20%231%20100%25&");
    const { url, label, params } = parse(uri);
    expect(url.hash).toBe("");
    expect(label).toBe(`${issuer}:${account}`);
    expect(params.issuer).toBe(issuer);
    expect(params.secret).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(Object.keys(params)).toEqual(["secret", "issuer", "algorithm", "digits", "period"]);
  });

  it("throws TypeError for a colon, an empty name or a short secret", () => {
    expect(() => totpUri(RFC_SECRET, "Acme:Corp", "a@example.com")).toThrow(TypeError);
    expect(() => totpUri(RFC_SECRET, "Acme", "a:b@example.com")).toThrow(TypeError);
    expect(() => totpUri(RFC_SECRET, "", "a@example.com")).toThrow(TypeError);
    expect(() => totpUri(RFC_SECRET, "Acme", "")).toThrow(TypeError);
    expect(() => totpUri(new Uint8Array(10), "Acme", "a@example.com")).toThrow(TypeError);
  });
});

describe("qrSvg", () => {
  it("renders a self-contained SVG with no script and no external references", () => {
    const uri = totpUri(generateTotpSecret(randomBytes), "Gatehouse <script>", "a@example.com");
    const svg = qrSvg(uri);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
    expect(svg.toLowerCase()).not.toContain("script");
    expect(svg).not.toMatch(/href|xlink|url\(|<image|<foreignObject|<use|\bon\w+=/i);
    // the only URL in it is the SVG namespace
    expect(svg.match(/https?:\/\/[^"]*/g)).toEqual(["http://www.w3.org/2000/svg"]);
    // the secret is drawn, not written into the markup
    expect(svg).not.toContain("otpauth");
  });

  it("is deterministic and differs for different text", () => {
    expect(qrSvg("otpauth://totp/a")).toBe(qrSvg("otpauth://totp/a"));
    expect(qrSvg("otpauth://totp/a")).not.toBe(qrSvg("otpauth://totp/b"));
  });
});

describe("recovery codes", () => {
  const shape = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

  it("uses an unambiguous alphabet and carries at least 50 bits", () => {
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(RECOVERY_CODE_ALPHABET.length);
    expect(RECOVERY_CODE_ALPHABET).toMatch(/^[2-9A-HJKMNP-Z]+$/);
    for (const confusable of "01ILO") expect(RECOVERY_CODE_ALPHABET).not.toContain(confusable);
    expect(RECOVERY_CODE_ALPHABET.length ** RECOVERY_CODE_LENGTH).toBeGreaterThanOrEqual(2 ** 50);
  });

  it("generates 10 distinct codes shaped XXXX-XXXX-XXXX", () => {
    const codes = generateRecoveryCodes(randomBytes);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(shape);
    expect(generateRecoveryCodes(randomBytes, 3)).toHaveLength(3);
  });

  it("rejection-samples: the byte value past the alphabet is skipped, not folded", () => {
    // low 5 bits: 0x1f and 0xff → 31 (rejected); 0x20 → 0; 0x41 → 1; 0x1e → 30
    const script = [0x1f, 0x20, 0xff, 0x41, 0x1e, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a];
    let position = 0;
    const scripted = (n: number) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = script[position++ % script.length] as number;
      return out;
    };
    expect(generateRecoveryCodes(scripted, 1)).toEqual(["23Z4-5678-9ABC"]);
  });

  it("fails loudly rather than spinning on a broken random source", () => {
    expect(() => generateRecoveryCodes((n) => new Uint8Array(n).fill(0xff))).toThrow(Error);
    expect(() => generateRecoveryCodes((n) => new Uint8Array(n))).toThrow(Error); // all codes equal
  });

  it("throws TypeError for a bad count", () => {
    expect(() => generateRecoveryCodes(randomBytes, 0)).toThrow(TypeError);
    expect(() => generateRecoveryCodes(randomBytes, 1.5)).toThrow(TypeError);
    expect(() => generateRecoveryCodes(randomBytes, 101)).toThrow(TypeError);
  });

  it("uses every symbol of the alphabet (2000+ symbols drawn)", () => {
    const seen = new Set<string>();
    let drawn = 0;
    while (drawn < 2000) {
      for (const code of generateRecoveryCodes(randomBytes)) {
        for (const symbol of code.replaceAll("-", "")) seen.add(symbol);
        drawn += RECOVERY_CODE_LENGTH;
      }
    }
    // P(a given symbol is missing from 2000 draws) = (30/31)^2000 ≈ 3e-29
    expect([...seen].sort().join("")).toBe([...RECOVERY_CODE_ALPHABET].sort().join(""));
  });

  it("normalizes case, hyphens and spaces to the generated code's canonical form", () => {
    expect(normalizeRecoveryCode("k7qx m2pz r9tb")).toBe("K7QXM2PZR9TB");
    expect(normalizeRecoveryCode("K7QX-M2PZ-R9TB")).toBe("K7QXM2PZR9TB");
    expect(normalizeRecoveryCode(" k7qxm2pz-r9tb\t")).toBe("K7QXM2PZR9TB");
    for (const code of generateRecoveryCodes(randomBytes)) {
      const canonical = normalizeRecoveryCode(code);
      expect(canonical).toBe(code.replaceAll("-", ""));
      expect(normalizeRecoveryCode(code.toLowerCase().replaceAll("-", " "))).toBe(canonical);
    }
  });

  it("returns null for characters outside the alphabet or a wrong length", () => {
    for (const bad of [
      "",
      "K7QX-M2PZ-R9T0", // 0
      "K7QX-M2PZ-R9TO", // O
      "K7QX-M2PZ-R9T1", // 1
      "K7QX-M2PZ-R9TI", // I
      "K7QX-M2PZ-R9Tl", // l
      "K7QX-M2PZ-R9T_",
      "K7QX-M2PZ-R9T",
      "K7QX-M2PZ-R9TBB",
      "K7QX-M2PZ-R9Tß", // toUpperCase would make this "SS"
      "K7QX-M2PZ-R9TБ",
      "K7QX-M2PZ-R9T\u0000",
      "K".repeat(1024 * 1024),
    ]) {
      expect(normalizeRecoveryCode(bad)).toBeNull();
    }
  });

  it("tells a recovery code from a TOTP code", () => {
    expect(isRecoveryCodeShape("K7QX-M2PZ-R9TB")).toBe(true);
    expect(isRecoveryCodeShape("k7qx m2pz r9tb")).toBe(true);
    expect(isRecoveryCodeShape("123456")).toBe(false);
    expect(isRecoveryCodeShape("12345678")).toBe(false);
    expect(isRecoveryCodeShape("123 456")).toBe(false);
    expect(isRecoveryCodeShape("")).toBe(false);
  });
});
