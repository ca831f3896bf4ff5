import { describe, expect, it } from "vitest";
import { constantTimeEqual, fromBase64url, toBase64url, toHex, utf8 } from "../../src/crypto/encoding";
import { generateToken, hashToken, isWellFormedToken } from "../../src/crypto/tokens";

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe("hashToken (SHA-256, lower-case hex)", () => {
  // FIPS 180-4 / NIST CSRC example vectors
  it.each([
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
  ])("%j → %s", async (input, digest) => {
    expect(await hashToken(input)).toBe(digest);
  });

  it("hashes the UTF-8 bytes of the token", async () => {
    // SHA-256("é") where é is the two UTF-8 bytes c3 a9
    const viaBytes = toHex(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([0xc3, 0xa9]))),
    );
    expect(await hashToken("é")).toBe(viaBytes);
  });

  it("is 64 lower-case hex characters, deterministic, and differs for different tokens", async () => {
    const token = generateToken(randomBytes);
    const a = await hashToken(token);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashToken(token)).toBe(a);
    expect(await hashToken(`${token}x`)).not.toBe(a);
  });
});

describe("generateToken", () => {
  it("defaults to 32 random bytes → 43 base64url characters", () => {
    const requested: number[] = [];
    const token = generateToken((n) => {
      requested.push(n);
      return randomBytes(n);
    });
    expect(requested).toEqual([32]);
    expect(token).toHaveLength(43);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fromBase64url(token)).toHaveLength(32);
  });

  it.each([
    [16, 22],
    [24, 32],
    [32, 43],
    [48, 64],
    [64, 86],
  ])("%i bytes → %i characters", (bytes, chars) => {
    const token = generateToken(randomBytes, bytes);
    expect(token).toHaveLength(chars);
    expect(fromBase64url(token)).toHaveLength(bytes);
  });

  it("refuses fewer than 16 bytes (128 bits)", () => {
    expect(() => generateToken(randomBytes, 15)).toThrow(TypeError);
    expect(() => generateToken(randomBytes, 0)).toThrow(/128 bits/);
    expect(() => generateToken(randomBytes, 16)).not.toThrow();
  });

  it("does not draw randomness when it refuses", () => {
    let calls = 0;
    expect(() =>
      generateToken((n) => {
        calls++;
        return randomBytes(n);
      }, 8),
    ).toThrow();
    expect(calls).toBe(0);
  });

  it("encodes the bytes it is given as unpadded base64url (URL-safe alphabet)", () => {
    expect(generateToken((n) => new Uint8Array(n).fill(0xff), 16)).toBe("_____________________w");
    const dashes = (n: number) =>
      Uint8Array.from({ length: n }, (_, i) => [0xfb, 0xef, 0xbe][i % 3] as number);
    expect(generateToken(dashes, 18)).toBe("-".repeat(24));
    expect(generateToken((n) => new Uint8Array(n), 16)).toBe("A".repeat(22));
  });

  it("uses only the base64url alphabet, and tokens do not repeat", () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = generateToken(randomBytes);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(token).not.toMatch(/[+/=]/);
      tokens.add(token);
    }
    expect(tokens.size).toBe(200);
  });

  it("produces tokens that isWellFormedToken accepts, for every allowed size", () => {
    for (let bytes = 16; bytes <= 64; bytes++)
      expect(isWellFormedToken(generateToken(randomBytes, bytes))).toBe(true);
  });
});

describe("isWellFormedToken", () => {
  it.each([
    ["22 characters (16 bytes)", "A".repeat(22)],
    ["43 characters (32 bytes)", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP-"],
    ["86 characters (64 bytes)", "_".repeat(86)],
    ["all alphabet classes", "Az09-_Az09-_Az09-_Az09-_"],
  ])("accepts %s", (_label, token) => {
    expect(isWellFormedToken(token)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["21 characters", "A".repeat(21)],
    ["87 characters", "A".repeat(87)],
    ["standard base64 '+'", `${"A".repeat(42)}+`],
    ["standard base64 '/'", `${"A".repeat(42)}/`],
    ["padding", `${"A".repeat(42)}=`],
    ["space", `${"A".repeat(21)} ${"A".repeat(21)}`],
    ["trailing newline", `${"A".repeat(43)}\n`],
    ["dot (a JWT)", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"],
    ["non-ASCII", `${"A".repeat(42)}é`],
  ])("rejects %s", (_label, token) => {
    expect(isWellFormedToken(token)).toBe(false);
  });
});

describe("encoding helpers", () => {
  it("utf8 encodes to UTF-8 bytes", () => {
    expect(utf8("abc")).toEqual(new Uint8Array([0x61, 0x62, 0x63]));
    expect(utf8("é")).toEqual(new Uint8Array([0xc3, 0xa9]));
    expect(utf8("🔑")).toEqual(new Uint8Array([0xf0, 0x9f, 0x94, 0x91]));
    expect(utf8("")).toEqual(new Uint8Array(0));
  });

  it("toHex is lower-case, two digits per byte", () => {
    expect(toHex(new Uint8Array([0, 1, 0x0f, 0xab, 0xff]))).toBe("00010fabff");
    expect(toHex(new Uint8Array(0))).toBe("");
  });

  it("toBase64url follows RFC 4648 §10 test vectors, without padding", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(toBase64url(utf8(plain))).toBe(encoded);
      expect(new TextDecoder().decode(fromBase64url(encoded))).toBe(plain);
    }
  });

  it("uses the URL-safe alphabet", () => {
    expect(toBase64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(fromBase64url("-_8")).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it("fromBase64url accepts padding and round-trips random bytes", () => {
    expect(fromBase64url("Zm8=")).toEqual(utf8("fo"));
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(n);
      expect(fromBase64url(toBase64url(bytes))).toEqual(bytes);
    }
  });

  it("fromBase64url rejects characters outside the alphabet", () => {
    expect(() => fromBase64url("Zm9v!")).toThrow();
    expect(() => fromBase64url("Zm+v")).toThrow();
  });
});

describe("constantTimeEqual", () => {
  it("is true for equal bytes (including empty)", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    const bytes = randomBytes(64);
    expect(constantTimeEqual(bytes, bytes.slice())).toBe(true);
  });

  it("is false when any single byte differs (first, middle, last)", () => {
    const a = randomBytes(32);
    for (const i of [0, 15, 31]) {
      const b = a.slice();
      b[i] = (b[i] as number) ^ 0x01;
      expect(constantTimeEqual(a, b)).toBe(false);
    }
  });

  it("is false for a high-bit-only difference", () => {
    expect(constantTimeEqual(new Uint8Array([0x00]), new Uint8Array([0x80]))).toBe(false);
  });

  it("is false for different lengths, even when one is a prefix of the other", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array([0]))).toBe(false);
  });

  it("is symmetric", () => {
    const a = utf8("token-a");
    const b = utf8("token-b");
    expect(constantTimeEqual(a, b)).toBe(constantTimeEqual(b, a));
  });
});
