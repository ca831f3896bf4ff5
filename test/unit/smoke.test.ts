import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/crypto/encoding";
import { argon2id, hashPassword, verifyPassword } from "../../src/crypto/password";

describe("argon2", () => {
  it("hashes", () => {
    const r = argon2id(utf8("password"), utf8("somesalt"), {
      memoryKiB: 65536,
      iterations: 2,
      parallelism: 1,
    });
    expect(r.length).toBe(32);
    const phc = hashPassword("pässwor1", { memoryKiB: 1024, iterations: 1, parallelism: 1 }, (n) =>
      crypto.getRandomValues(new Uint8Array(n)),
    );
    expect(verifyPassword("pässwor1", phc)).toBe(true);
    expect(verifyPassword("pässwor2", phc)).toBe(false);
  });
});
