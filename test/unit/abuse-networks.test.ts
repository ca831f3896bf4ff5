import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../src/crypto/encoding";
import { isDisposableAddress } from "../../src/features/abuse/disposable";
import { accountKey, passwordKey } from "../../src/features/abuse/keyed-hash";
import { requestNetworks } from "../../src/features/abuse/networks";
import { ipNetworkPrefix } from "../../src/platform/rate-limits";

describe("network keys", () => {
  it("an IPv4 client: its address, its /24 and its ASN; the ASN's object holds them", () => {
    expect(requestNetworks({ ip: "203.0.113.7", asn: 64500 })).toEqual({
      route: "asn:64500",
      refs: [
        { level: "ip", key: "ip:203.0.113.7" },
        { level: "prefix", key: "net:203.0.113.0/24" },
        { level: "asn", key: "asn:64500" },
      ],
    });
  });

  it("an IPv6 client: its /64 (as per-IP limits count it) and its /48; without an ASN the prefix routes", () => {
    expect(requestNetworks({ ip: "2001:DB8:1:2::7", asn: null })).toEqual({
      route: "net:2001:db8:1::/48",
      refs: [
        { level: "ip", key: "ip:2001:db8:1:2::/64" },
        { level: "prefix", key: "net:2001:db8:1::/48" },
      ],
    });
  });

  it("an IPv4-mapped address is its IPv4 client", () => {
    expect(requestNetworks({ ip: "::ffff:198.51.100.9", asn: null })?.refs).toEqual([
      { level: "ip", key: "ip:198.51.100.9" },
      { level: "prefix", key: "net:198.51.100.0/24" },
    ]);
  });

  it("no IP and no ASN: nothing to count (no Durable Object call)", () => {
    expect(requestNetworks({ ip: "unknown", asn: null })).toBeNull();
    expect(requestNetworks({ ip: null, asn: 13335 })?.refs).toEqual([{ level: "asn", key: "asn:13335" }]);
  });

  it("prefixes: /24 and /48, null for what does not parse", () => {
    expect(ipNetworkPrefix("10.1.2.3")).toBe("10.1.2.0/24");
    expect(ipNetworkPrefix("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(ipNetworkPrefix("::1")).toBe("0:0:0::/48");
    expect(ipNetworkPrefix("not-an-ip")).toBeNull();
    expect(ipNetworkPrefix("256.1.1.1")).toBeNull();
  });
});

const KEY = { id: "k1", key: new Uint8Array(32).fill(7) };
const OTHER = { id: "k2", key: new Uint8Array(32).fill(9) };

async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(text))));
}

describe("keyed hashes", () => {
  it("a password's key is never its plain hash (nor a prefix of it), nor the password", async () => {
    for (const password of ["Summer2026!", "password", "correct horse battery staple"]) {
      const key = await passwordKey([KEY], password);
      expect(key).toMatch(/^[0-9a-f]{24}$/);
      expect(key).not.toContain(password);
      for (const plain of [await sha256Hex(password), await sha256Hex(`password:${password}`)]) {
        expect(plain.startsWith(key)).toBe(false);
        expect(key).not.toBe(plain);
      }
    }
  });

  it("is deterministic under one key, different under another, and separates accounts from passwords", async () => {
    expect(await passwordKey([KEY], "x")).toBe(await passwordKey([KEY], "x"));
    expect(await passwordKey([KEY], "x")).not.toBe(await passwordKey([OTHER], "x"));
    expect(await accountKey([KEY], "a@example.com")).toMatch(/^[0-9a-f]{16}$/);
    expect(
      (await passwordKey([KEY], "a@example.com")).startsWith(await accountKey([KEY], "a@example.com")),
    ).toBe(false);
  });
});

describe("disposable address domains", () => {
  it("knows the list's domains and their subdomains, not ordinary ones", () => {
    expect(isDisposableAddress("x@mailinator.com")).toBe(true);
    expect(isDisposableAddress("x@MAILINATOR.COM")).toBe(true);
    expect(isDisposableAddress("x@inbox.mailinator.com")).toBe(true);
    expect(isDisposableAddress("x@gmail.com")).toBe(false);
    expect(isDisposableAddress("x@example.com")).toBe(false);
    expect(isDisposableAddress("x@com")).toBe(false);
  });
});
