import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../src/crypto/encoding";
import {
  type Argon2Params,
  argon2id,
  DEFAULT_ARGON2_PARAMS,
  formatPhc,
  hashPassword,
  needsRehash,
  parsePhc,
  verifyPassword,
} from "../../src/crypto/password";
import { normalizePassword } from "../../src/crypto/password-policy";

/**
 * Known answers of plain Argon2id v1.3 (no secret, no associated data, 32-byte tag) from the reference
 * implementation's test suite (P-H-C/phc-winner-argon2 src/test.c; the same strings are in the README's
 * `argon2 somesalt -id -t 2 -m 16 -p 1` example). RFC 9106 §5.3's vector needs a secret and associated
 * data, which this binding does not expose, so it cannot be used here.
 */
const REFERENCE_VECTORS: {
  password: string;
  salt: string;
  params: Argon2Params;
  tagHex: string;
  phc: string;
}[] = [
  {
    password: "password",
    salt: "somesalt",
    params: { memoryKiB: 65536, iterations: 2, parallelism: 1 },
    tagHex: "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
    phc: "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
  },
  {
    password: "password",
    salt: "somesalt",
    params: { memoryKiB: 256, iterations: 2, parallelism: 1 },
    tagHex: "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe",
    phc: "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
  },
  {
    password: "password",
    salt: "somesalt",
    params: { memoryKiB: 256, iterations: 2, parallelism: 2 },
    tagHex: "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037",
    phc: "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
  },
  {
    password: "password",
    salt: "somesalt",
    params: { memoryKiB: 65536, iterations: 1, parallelism: 1 },
    tagHex: "f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98",
    phc: "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
  },
  {
    password: "differentpassword",
    salt: "somesalt",
    params: { memoryKiB: 65536, iterations: 2, parallelism: 1 },
    tagHex: "0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde",
    phc: "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94",
  },
  {
    password: "password",
    salt: "diffsalt",
    params: { memoryKiB: 65536, iterations: 2, parallelism: 1 },
    tagHex: "bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c",
    phc: "$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw",
  },
];

const MAIN_VECTOR = REFERENCE_VECTORS[0] as (typeof REFERENCE_VECTORS)[number];
const SMALL_VECTOR = REFERENCE_VECTORS[1] as (typeof REFERENCE_VECTORS)[number];

/** Cheap parameters for everything that is not a reference vector. */
const FAST: Argon2Params = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const fixedBytes = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);

function parsed(phc: string) {
  const result = parsePhc(phc);
  if (!result.ok) throw new Error(`expected ${phc} to parse, got ${result.reason}`);
  return result.value;
}

describe("argon2id known answers (phc-winner-argon2 reference vectors, v1.3)", () => {
  it.each(REFERENCE_VECTORS)(
    "$password / $salt with m=$params.memoryKiB t=$params.iterations p=$params.parallelism",
    ({ password, salt, params, tagHex }) => {
      const tag = argon2id(utf8(password), utf8(salt), params);
      expect(tag).toBeInstanceOf(Uint8Array);
      expect(tag.length).toBe(32);
      expect(toHex(tag)).toBe(tagHex);
    },
  );

  it("reproduces the reference PHC string for `argon2 somesalt -id -t 2 -m 16 -p 1` of 'password'", () => {
    const { password, salt, params, phc } = MAIN_VECTOR;
    const hash = argon2id(utf8(password), utf8(salt), params);
    expect(phc).toBe(
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    );
    expect(formatPhc({ params, salt: utf8(salt), hash })).toBe(phc);
  });

  it("verifies the reference PHC strings, and only with their own password", () => {
    for (const { password, phc } of REFERENCE_VECTORS) {
      expect(verifyPassword(password, phc)).toBe(true);
      expect(verifyPassword(`${password}x`, phc)).toBe(false);
    }
    expect(verifyPassword("differentpassword", MAIN_VECTOR.phc)).toBe(false);
    expect(verifyPassword("Password", MAIN_VECTOR.phc)).toBe(false);
  });

  it("is deterministic, and every input changes the tag", () => {
    const base = toHex(argon2id(utf8("password"), utf8("somesalt"), FAST));
    expect(toHex(argon2id(utf8("password"), utf8("somesalt"), FAST))).toBe(base);
    const variants = [
      argon2id(utf8("passwore"), utf8("somesalt"), FAST),
      argon2id(utf8("password"), utf8("somesalu"), FAST),
      argon2id(utf8("password"), utf8("somesalt"), { ...FAST, memoryKiB: 2048 }),
      argon2id(utf8("password"), utf8("somesalt"), { ...FAST, iterations: 2 }),
      argon2id(utf8("password"), utf8("somesalt"), { ...FAST, parallelism: 2 }),
    ].map(toHex);
    for (const v of variants) expect(v).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it("hashes the empty password (and distinguishes it from a one-byte password)", () => {
    const empty = argon2id(new Uint8Array(0), utf8("somesalt"), FAST);
    expect(empty.length).toBe(32);
    expect(toHex(empty)).not.toBe(toHex(argon2id(new Uint8Array([0]), utf8("somesalt"), FAST)));
  });

  it("rejects salts shorter than 8 bytes", () => {
    expect(() => argon2id(utf8("password"), utf8("1234567"), FAST)).toThrow(TypeError);
    expect(() => argon2id(utf8("password"), new Uint8Array(0), FAST)).toThrow(TypeError);
    expect(argon2id(utf8("password"), utf8("12345678"), FAST).length).toBe(32);
  });

  it("throws on parameters argon2 itself refuses (memory below 8 KiB per lane)", () => {
    expect(() =>
      argon2id(utf8("password"), utf8("somesalt"), { memoryKiB: 8, iterations: 1, parallelism: 2 }),
    ).toThrow(/argon2 failed/);
  });

  it("keeps working after many calls (the wasm heap is reused, not leaked into the result)", () => {
    const first = toHex(argon2id(utf8("password"), utf8("somesalt"), FAST));
    for (let i = 0; i < 20; i++) argon2id(utf8(`pw-${i}`), utf8("othersalt"), FAST);
    expect(toHex(argon2id(utf8("password"), utf8("somesalt"), FAST))).toBe(first);
  });
});

describe("hashPassword / verifyPassword", () => {
  it("round-trips, and a wrong password does not verify", () => {
    const phc = hashPassword("correct horse battery staple", FAST, randomBytes);
    expect(verifyPassword("correct horse battery staple", phc)).toBe(true);
    expect(verifyPassword("correct horse battery stapl", phc)).toBe(false);
    expect(verifyPassword("Correct horse battery staple", phc)).toBe(false);
    expect(verifyPassword("", phc)).toBe(false);
  });

  it("writes a v=19 Argon2id PHC string with the given parameters, a 16-byte salt and a 32-byte hash", () => {
    const phc = hashPassword("hunter22", { memoryKiB: 1024, iterations: 3, parallelism: 2 }, randomBytes);
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=1024,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const value = parsed(phc);
    expect(value.params).toEqual({ memoryKiB: 1024, iterations: 3, parallelism: 2 });
    expect(value.salt.length).toBe(16);
    expect(value.hash.length).toBe(32);
  });

  it("asks the random source for exactly 16 bytes and uses them as the salt", () => {
    const requested: number[] = [];
    const salt = Uint8Array.from({ length: 16 }, (_, i) => i * 7 + 1);
    const phc = hashPassword("hunter22", FAST, (n) => {
      requested.push(n);
      return salt.slice(0, n);
    });
    expect(requested).toEqual([16]);
    const value = parsed(phc);
    expect(value.salt).toEqual(salt);
    expect(value.hash).toEqual(argon2id(utf8("hunter22"), salt, FAST));
  });

  it("uses a fresh salt per call: the same password hashes differently, and both verify", () => {
    const a = hashPassword("same password", FAST, randomBytes);
    const b = hashPassword("same password", FAST, randomBytes);
    expect(a).not.toBe(b);
    expect(verifyPassword("same password", a)).toBe(true);
    expect(verifyPassword("same password", b)).toBe(true);
  });

  it("is deterministic for a fixed salt", () => {
    expect(hashPassword("same password", FAST, fixedBytes(0x42))).toBe(
      hashPassword("same password", FAST, fixedBytes(0x42)),
    );
  });

  it("verifies with the parameters stored in the hash, not the current defaults", () => {
    const phc = hashPassword("old params", { memoryKiB: 512, iterations: 2, parallelism: 1 }, randomBytes);
    expect(parsed(phc).params).not.toEqual(DEFAULT_ARGON2_PARAMS);
    expect(verifyPassword("old params", phc)).toBe(true);
  });

  describe("non-ASCII passwords are hashed as their full UTF-8 bytes", () => {
    it("'pässwor1' does not verify 'pässwor2' (the upstream wrapper truncated to the UTF-16 length)", () => {
      const phc = hashPassword("pässwor1", FAST, randomBytes);
      expect(verifyPassword("pässwor1", phc)).toBe(true);
      expect(verifyPassword("pässwor2", phc)).toBe(false);
      // what the truncating wrapper would have hashed: the first 8 of the 9 UTF-8 bytes
      expect(verifyPassword("pässwor", phc)).toBe(false);
    });

    it("hashes every UTF-8 byte, not the first `string.length` bytes", () => {
      const password = "pässwor1";
      const bytes = utf8(password);
      expect(bytes.length).toBe(9);
      expect(password.length).toBe(8);
      const salt = new Uint8Array(16).fill(9);
      const value = parsed(hashPassword(password, FAST, () => salt));
      expect(value.hash).toEqual(argon2id(bytes, salt, FAST));
      expect(toHex(value.hash)).not.toBe(toHex(argon2id(bytes.slice(0, password.length), salt, FAST)));
    });

    it.each([
      ["CJK", "密码密码密码12", "密码密码密码13"],
      ["emoji (astral plane)", "🔑🔑🔑🔑-a", "🔑🔑🔑🔑-b"],
      ["Cyrillic", "пароль-пароль-1", "пароль-пароль-2"],
      ["last character differs only", "ääääääää", "äääääääö"],
    ])("%s: a password differing in its last character does not verify", (_label, right, wrong) => {
      const phc = hashPassword(right, FAST, randomBytes);
      expect(verifyPassword(right, phc)).toBe(true);
      expect(verifyPassword(wrong, phc)).toBe(false);
    });

    it("compares bytes exactly: NFC and NFD differ here, and match once normalised by the policy", () => {
      const nfc = "crème brûlée".normalize("NFC");
      const nfd = "crème brûlée".normalize("NFD");
      expect(nfc).not.toBe(nfd);
      const phc = hashPassword(normalizePassword(nfc), FAST, randomBytes);
      expect(verifyPassword(nfd, phc)).toBe(false);
      expect(verifyPassword(normalizePassword(nfd), phc)).toBe(true);
    });
  });

  describe("a malformed hash verifies nothing", () => {
    it.each([
      ["empty string", ""],
      ["garbage", "not a hash"],
      ["bcrypt", "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"],
      [
        "argon2i (other algorithm)",
        "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
      ],
      [
        "argon2id v=16",
        "$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      ],
      [
        "no version field",
        "$argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      ],
      ["missing hash", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"],
      [
        "non-canonical base64 salt",
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHR$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      ],
      ["trailing whitespace", `${SMALL_VECTOR.phc}\n`],
    ])("%s", (_label, phc) => {
      expect(verifyPassword("password", phc)).toBe(false);
    });

    it("a hash with one character changed does not verify", () => {
      const tampered = SMALL_VECTOR.phc.replace("$nf65", "$nf66");
      expect(tampered).not.toBe(SMALL_VECTOR.phc);
      expect(parsePhc(tampered).ok).toBe(true);
      expect(verifyPassword("password", tampered)).toBe(false);
    });

    it("a truncated (shorter) hash does not verify, even when it is a prefix of the right one", () => {
      const right = argon2id(utf8("password"), utf8("somesalt"), SMALL_VECTOR.params);
      const short = formatPhc({
        params: SMALL_VECTOR.params,
        salt: utf8("somesalt"),
        hash: right.slice(0, 16),
      });
      expect(verifyPassword("password", short)).toBe(false);
    });

    // A PHC string Argon2 cannot compute (salt < 8 bytes, or m < 8·p) is refused by parsePhc, so it
    // verifies nothing ("a malformed hash verifies nothing") instead of throwing.
    it("a syntactically valid PHC string with a 3-byte salt returns false (does not throw)", () => {
      const phc = "$argon2id$v=19$m=256,t=2,p=1$AAAA$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
      expect(parsePhc(phc).ok).toBe(false);
      expect(() => verifyPassword("password", phc)).not.toThrow();
      expect(verifyPassword("password", phc)).toBe(false);
    });

    it("a PHC string with memory below 8 KiB per lane returns false (does not throw)", () => {
      const phc = "$argon2id$v=19$m=8,t=1,p=2$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
      expect(parsePhc(phc).ok).toBe(false);
      expect(() => verifyPassword("password", phc)).not.toThrow();
      expect(verifyPassword("password", phc)).toBe(false);
    });
  });
});

describe("parsePhc", () => {
  it("parses the reference vector into parameters, salt bytes and hash bytes", () => {
    const result = parsePhc(MAIN_VECTOR.phc);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.params).toEqual({ memoryKiB: 65536, iterations: 2, parallelism: 1 });
    expect(new TextDecoder().decode(result.value.salt)).toBe("somesalt");
    expect(toHex(result.value.hash)).toBe(MAIN_VECTOR.tagHex);
  });

  it.each([
    ["$argon2i$", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"],
    ["$argon2d$", "$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["$argon2ds$", "$argon2ds$v=16$m=8,t=1,p=2$ICAgICAgICA$+6+yBnWbuV7mLs6rKMhvi+SLbkzb5CB6Jd2pSWuC/Kw"],
  ])("another Argon2 variant (%s) → algorithm", (_label, phc) => {
    expect(parsePhc(phc)).toEqual({ ok: false, reason: "algorithm" });
  });

  it.each(["16", "20", "0", "190"])("v=%s → version", (v) => {
    expect(
      parsePhc(`$argon2id$v=${v}$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc`),
    ).toEqual({ ok: false, reason: "version" });
  });

  it.each([
    ["empty", ""],
    ["plain text", "password"],
    ["bcrypt", "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"],
    ["scrypt", "$scrypt$ln=16,r=8,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    [
      "uppercase algorithm",
      "$ARGON2ID$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    ["prefix only", "$argon2id$"],
    [
      "no version (pre-1.3 form)",
      "$argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "parameters out of order",
      "$argon2id$v=19$t=2,m=65536,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "missing parameter",
      "$argon2id$v=19$m=65536,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "non-numeric parameter",
      "$argon2id$v=19$m=lots,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "negative parameter",
      "$argon2id$v=19$m=65536,t=-2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    ["m below 8", "$argon2id$v=19$m=7,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    [
      "m above 4 GiB",
      "$argon2id$v=19$m=4194305,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    ["t = 0", "$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["p = 0", "$argon2id$v=19$m=65536,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["missing hash", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"],
    ["empty hash", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"],
    ["extra field", `${MAIN_VECTOR.phc}$AAAA`],
    ["trailing newline", `${MAIN_VECTOR.phc}\n`],
    ["leading space", ` ${MAIN_VECTOR.phc}`],
    // bad base64
    [
      "padded base64",
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "base64url alphabet",
      "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR_uIPnA4rEsF5h7TKyQwu9U1bMCHGi_4",
    ],
    [
      "invalid character",
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNh!HQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "impossible length (4n+1)",
      "$argon2id$v=19$m=65536,t=2,p=1$AAAAA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "non-zero trailing bits in salt",
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHR$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ],
    [
      "non-zero trailing bits in hash",
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPd",
    ],
  ])("%s → format", (_label, phc) => {
    expect(parsePhc(phc)).toEqual({ ok: false, reason: "format" });
  });

  it("accepts the boundary parameters m=8 and m=4194304", () => {
    const salt = "c29tZXNhbHQ";
    const hash = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    const low = parsePhc(`$argon2id$v=19$m=8,t=1,p=1$${salt}$${hash}`);
    const high = parsePhc(`$argon2id$v=19$m=4194304,t=1,p=1$${salt}$${hash}`);
    expect(low.ok && low.value.params.memoryKiB).toBe(8);
    expect(high.ok && high.value.params.memoryKiB).toBe(4194304);
  });

  it("decodes standard base64 ('+' and '/'), as PHC requires", () => {
    const salt = new Uint8Array(16).fill(0xff); // "/////…w"
    const hash = Uint8Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 0xfb : i % 3 === 1 ? 0xef : 0xbe)); // "++++…"
    const phc = formatPhc({ params: FAST, salt, hash });
    expect(phc).toContain("$/////");
    expect(phc).toContain("$++++");
    const [, , , , encodedSalt, encodedHash] = phc.split("$");
    expect(encodedSalt).toBe("/////////////////////w");
    expect(encodedHash).toMatch(/^\++8$/);
    const value = parsed(phc);
    expect(value.salt).toEqual(salt);
    expect(value.hash).toEqual(hash);
  });
});

describe("formatPhc", () => {
  it.each(REFERENCE_VECTORS.map((v) => [v.phc]))("formatPhc(parsePhc(x)) === x for %s", (phc) => {
    expect(formatPhc(parsed(phc))).toBe(phc);
  });

  it("formatPhc(parsePhc(x)) === x for freshly made hashes", () => {
    for (let i = 0; i < 5; i++) {
      const phc = hashPassword(`password-${i}`, FAST, randomBytes);
      expect(formatPhc(parsed(phc))).toBe(phc);
    }
  });

  it("parsePhc(formatPhc(v)) gives v back", () => {
    const value = {
      params: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
      salt: randomBytes(16),
      hash: randomBytes(32),
    };
    expect(parsed(formatPhc(value))).toEqual(value);
  });
});

describe("needsRehash", () => {
  const params: Argon2Params = { memoryKiB: 1024, iterations: 2, parallelism: 1 };
  const phc = hashPassword("password", params, randomBytes);

  it("is false when the stored parameters equal the configured ones", () => {
    expect(needsRehash(phc, params)).toBe(false);
    expect(needsRehash(phc, { ...params })).toBe(false);
  });

  it.each([
    ["memory", { ...params, memoryKiB: 2048 }],
    ["memory (lower)", { ...params, memoryKiB: 512 }],
    ["iterations", { ...params, iterations: 3 }],
    ["parallelism", { ...params, parallelism: 2 }],
  ])("is true when %s differs", (_label, configured) => {
    expect(needsRehash(phc, configured)).toBe(true);
  });

  it("is true for the OWASP defaults against a weaker stored hash", () => {
    expect(needsRehash(MAIN_VECTOR.phc, DEFAULT_ARGON2_PARAMS)).toBe(true);
    expect(needsRehash(MAIN_VECTOR.phc, MAIN_VECTOR.params)).toBe(false);
  });

  it("is true when the stored hash is not 32 bytes", () => {
    const short = formatPhc({ params, salt: randomBytes(16), hash: randomBytes(16) });
    expect(parsePhc(short).ok).toBe(true);
    expect(needsRehash(short, params)).toBe(true);
  });

  it.each([
    "",
    "garbage",
    "$argon2i$v=19$m=1024,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
  ])("is true for an unparseable or foreign hash (%j)", (value) => {
    expect(needsRehash(value, params)).toBe(true);
  });
});

describe("DEFAULT_ARGON2_PARAMS", () => {
  it("are OWASP's Argon2id minimum (m=19 MiB, t=2, p=1)", () => {
    expect(DEFAULT_ARGON2_PARAMS).toEqual({ memoryKiB: 19456, iterations: 2, parallelism: 1 });
  });
});
