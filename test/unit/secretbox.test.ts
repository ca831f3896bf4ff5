import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url, utf8 } from "../../src/crypto/encoding";
import {
  type EncryptionKey,
  open,
  openJson,
  reseal,
  seal,
  sealedKeyId,
  sealJson,
} from "../../src/crypto/secretbox";

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const keyA: EncryptionKey = { id: "a", key: randomBytes(32) };
const keyB: EncryptionKey = { id: "b", key: randomBytes(32) };
const decode = (bytes: Uint8Array | null) => (bytes ? new TextDecoder().decode(bytes) : null);

/** Flips one bit of one base64url part of a sealed value, keeping the encoding canonical. */
function flipBit(sealed: string, part: 2 | 3, byteIndex = 0): string {
  const parts = sealed.split(".");
  const bytes = fromBase64url(parts[part] as string);
  bytes[byteIndex] = (bytes[byteIndex] as number) ^ 0x01;
  parts[part] = toBase64url(bytes);
  return parts.join(".");
}

describe("seal / open", () => {
  it("round-trips bytes", async () => {
    const sealed = await seal(utf8("totp secret"), [keyA], "user:1:totp", randomBytes);
    expect(decode(await open(sealed, [keyA], "user:1:totp"))).toBe("totp secret");
  });

  it("round-trips empty and binary plaintexts", async () => {
    const empty = await seal(new Uint8Array(0), [keyA], "ctx", randomBytes);
    expect(await open(empty, [keyA], "ctx")).toEqual(new Uint8Array(0));
    const binary = randomBytes(1000);
    expect(await open(await seal(binary, [keyA], "ctx", randomBytes), [keyA], "ctx")).toEqual(binary);
  });

  it("has the form gh1.<keyId>.<iv>.<ciphertext> with a 12-byte IV and a 16-byte tag", async () => {
    const plaintext = utf8("hello");
    const sealed = await seal(plaintext, [keyA], "ctx", randomBytes);
    const parts = sealed.split(".");
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe("gh1");
    expect(parts[1]).toBe("a");
    expect(parts[2]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromBase64url(parts[2] as string)).toHaveLength(12);
    expect(fromBase64url(parts[3] as string)).toHaveLength(plaintext.length + 16);
    expect(sealed).not.toContain("hello");
  });

  it("asks for a 12-byte IV and uses it", async () => {
    const requested: number[] = [];
    const iv = new Uint8Array(12).fill(7);
    const sealed = await seal(utf8("x"), [keyA], "ctx", (n) => {
      requested.push(n);
      return iv;
    });
    expect(requested).toEqual([12]);
    expect(sealed.split(".")[2]).toBe(toBase64url(iv));
  });

  it("a fresh IV makes every sealing of the same plaintext different", async () => {
    const a = await seal(utf8("same"), [keyA], "ctx", randomBytes);
    const b = await seal(utf8("same"), [keyA], "ctx", randomBytes);
    expect(a).not.toBe(b);
    expect(decode(await open(a, [keyA], "ctx"))).toBe("same");
    expect(decode(await open(b, [keyA], "ctx"))).toBe("same");
  });

  it("the wrong context fails (null): a ciphertext cannot move to another row or purpose", async () => {
    const sealed = await seal(utf8("secret"), [keyA], "user:1:totp", randomBytes);
    expect(await open(sealed, [keyA], "user:2:totp")).toBeNull();
    expect(await open(sealed, [keyA], "user:1:recovery")).toBeNull();
    expect(await open(sealed, [keyA], "")).toBeNull();
    expect(decode(await open(sealed, [keyA], "user:1:totp"))).toBe("secret");
  });

  it("a tampered ciphertext fails (null)", async () => {
    const sealed = await seal(utf8("secret value"), [keyA], "ctx", randomBytes);
    expect(await open(flipBit(sealed, 3, 0), [keyA], "ctx")).toBeNull();
    // the last 16 bytes are the GCM tag
    const tagByte = fromBase64url(sealed.split(".")[3] as string).length - 1;
    expect(await open(flipBit(sealed, 3, tagByte), [keyA], "ctx")).toBeNull();
  });

  it("a tampered IV fails (null)", async () => {
    const sealed = await seal(utf8("secret value"), [keyA], "ctx", randomBytes);
    expect(await open(flipBit(sealed, 2, 5), [keyA], "ctx")).toBeNull();
  });

  it("a truncated or extended ciphertext fails (null)", async () => {
    const sealed = await seal(utf8("secret value"), [keyA], "ctx", randomBytes);
    const parts = sealed.split(".");
    const ct = fromBase64url(parts[3] as string);
    const shorter = [...parts.slice(0, 3), toBase64url(ct.slice(0, -1))].join(".");
    const longer = [...parts.slice(0, 3), toBase64url(new Uint8Array([...ct, 0]))].join(".");
    expect(await open(shorter, [keyA], "ctx")).toBeNull();
    expect(await open(longer, [keyA], "ctx")).toBeNull();
  });

  it("an unknown key id fails (null)", async () => {
    const sealed = await seal(utf8("secret"), [keyA], "ctx", randomBytes);
    expect(await open(sealed, [keyB], "ctx")).toBeNull();
    expect(await open(sealed, [], "ctx")).toBeNull();
  });

  it("the right id with the wrong key material fails (null)", async () => {
    const sealed = await seal(utf8("secret"), [keyA], "ctx", randomBytes);
    expect(await open(sealed, [{ id: "a", key: keyB.key }], "ctx")).toBeNull();
  });

  it.each([
    ["empty", ""],
    ["garbage", "not sealed"],
    ["wrong prefix", "gh2.a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"],
    ["three parts", "gh1.a.AAAAAAAAAAAAAAAA"],
    ["five parts", "gh1.a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.x"],
    ["invalid base64url", "gh1.a.!!!!.????"],
    ["empty ciphertext", "gh1.a.AAAAAAAAAAAAAAAA."],
  ])("a malformed value fails (null): %s", async (_label, sealed) => {
    expect(await open(sealed, [keyA], "ctx")).toBeNull();
  });

  it("refuses to seal without a key", async () => {
    await expect(seal(utf8("x"), [], "ctx", randomBytes)).rejects.toThrow(TypeError);
  });

  it("refuses a key that is not 32 bytes", async () => {
    await expect(
      seal(utf8("x"), [{ id: "short", key: randomBytes(16) }], "ctx", randomBytes),
    ).rejects.toThrow(/32-byte/);
  });

  it("seals with the first (current) key", async () => {
    const sealed = await seal(utf8("x"), [keyB, keyA], "ctx", randomBytes);
    expect(sealedKeyId(sealed)).toBe("b");
    expect(await open(sealed, [keyA], "ctx")).toBeNull();
    expect(decode(await open(sealed, [keyB], "ctx"))).toBe("x");
  });
});

describe("key rotation", () => {
  it("a value sealed under A still opens after rotating to [B, A]", async () => {
    const sealed = await seal(utf8("rotating secret"), [keyA], "ctx", randomBytes);
    expect(sealedKeyId(sealed)).toBe("a");
    expect(decode(await open(sealed, [keyB, keyA], "ctx"))).toBe("rotating secret");
  });

  it("reseal moves the value to B, after which A can be retired", async () => {
    const sealed = await seal(utf8("rotating secret"), [keyA], "ctx", randomBytes);
    const moved = await reseal(sealed, [keyB, keyA], "ctx", randomBytes);
    expect(moved).not.toBeNull();
    expect(moved).not.toBe(sealed);
    expect(sealedKeyId(moved as string)).toBe("b");
    expect(decode(await open(moved as string, [keyB], "ctx"))).toBe("rotating secret");
    expect(await open(moved as string, [keyA], "ctx")).toBeNull();
  });

  it("reseal returns the value unchanged when it already uses the current key", async () => {
    const sealed = await seal(utf8("x"), [keyB, keyA], "ctx", randomBytes);
    let calls = 0;
    const same = await reseal(sealed, [keyB, keyA], "ctx", (n) => {
      calls++;
      return randomBytes(n);
    });
    expect(same).toBe(sealed);
    expect(calls).toBe(0);
  });

  it("reseal returns null when the value cannot be opened (unknown key or wrong context)", async () => {
    const sealed = await seal(utf8("x"), [keyA], "ctx", randomBytes);
    const keyC: EncryptionKey = { id: "c", key: randomBytes(32) };
    expect(await reseal(sealed, [keyC, keyB], "ctx", randomBytes)).toBeNull();
    expect(await reseal(sealed, [keyB, keyA], "other-ctx", randomBytes)).toBeNull();
  });

  it("reseal keeps the context binding", async () => {
    const sealed = await seal(utf8("x"), [keyA], "user:1", randomBytes);
    const moved = (await reseal(sealed, [keyB, keyA], "user:1", randomBytes)) as string;
    expect(await open(moved, [keyB], "user:2")).toBeNull();
    expect(decode(await open(moved, [keyB], "user:1"))).toBe("x");
  });

  it("sealedKeyId reads the key id, and is null for anything else", () => {
    expect(sealedKeyId("gh1.key-2024_1.AAAA.BBBB")).toBe("key-2024_1");
    expect(sealedKeyId("gh2.a.AAAA.BBBB")).toBeNull();
    expect(sealedKeyId("gh1.a.AAAA")).toBeNull();
    expect(sealedKeyId("")).toBeNull();
    expect(sealedKeyId("plain text")).toBeNull();
  });
});

describe("sealJson / openJson", () => {
  it("round-trips JSON values", async () => {
    const value = {
      to: "alice@example.com",
      n: 42,
      nested: { list: [1, "two", null], ok: true },
      text: "Grüße 🔑",
    };
    const sealed = await sealJson(value, [keyA], "outbox:1", randomBytes);
    expect(sealed.startsWith("gh1.a.")).toBe(true);
    expect(sealed).not.toContain("alice");
    expect(await openJson<typeof value>(sealed, [keyA], "outbox:1")).toEqual(value);
  });

  it.each([["a string"], [0], [false], [[1, 2, 3]], [null]])("round-trips %j", async (value) => {
    const sealed = await sealJson(value, [keyA], "ctx", randomBytes);
    expect(await openJson(sealed, [keyA], "ctx")).toEqual(value);
  });

  it("openJson is null for the wrong context, an unknown key, or a tampered value", async () => {
    const sealed = await sealJson({ a: 1 }, [keyA], "ctx", randomBytes);
    expect(await openJson(sealed, [keyA], "other")).toBeNull();
    expect(await openJson(sealed, [keyB], "ctx")).toBeNull();
    expect(await openJson(flipBit(sealed, 3), [keyA], "ctx")).toBeNull();
  });

  it("opens with plain open as the UTF-8 JSON text", async () => {
    const sealed = await sealJson({ a: "é" }, [keyA], "ctx", randomBytes);
    expect(decode(await open(sealed, [keyA], "ctx"))).toBe('{"a":"é"}');
  });

  it("survives key rotation", async () => {
    const sealed = await sealJson({ a: 1 }, [keyA], "ctx", randomBytes);
    const moved = (await reseal(sealed, [keyB, keyA], "ctx", randomBytes)) as string;
    expect(sealedKeyId(moved)).toBe("b");
    expect(await openJson(moved, [keyB], "ctx")).toEqual({ a: 1 });
  });
});
