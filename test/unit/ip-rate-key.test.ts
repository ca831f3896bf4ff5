import { describe, expect, it } from "vitest";
import { ipRateKey } from "../../src/platform/rate-limits";

describe("ipRateKey: per-IP limits count an IPv4 address, or an IPv6 /64", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["10.0.0.1", "10.0.0.1"],
    [" 198.51.100.20 ", "198.51.100.20"],
  ])("keys IPv4 %j by the address", (ip, key) => {
    expect(ipRateKey(ip)).toBe(key);
  });

  it.each([
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::2", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2:A:B:C:D", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:3:4:192.0.2.1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["2001:db8:0:0:1::", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["fe80::abcd%25en0", "fe80:0:0:0::/64"],
  ])("keys IPv6 %j by its /64", (ip, key) => {
    expect(ipRateKey(ip)).toBe(key);
  });

  it("puts addresses of one /64 together and other /64s apart", () => {
    expect(ipRateKey("2001:db8:1:2::1")).toBe(ipRateKey("2001:db8:1:2:8000::9"));
    expect(ipRateKey("2001:db8:1:2::1")).not.toBe(ipRateKey("2001:db8:1:3::1"));
    expect(ipRateKey("2001:db8:1:2::1")).not.toBe(ipRateKey("2001:db8:2:2::1"));
  });

  it.each([
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:192.0.2.1", "192.0.2.1"],
    ["0:0:0:0:0:ffff:192.0.2.1", "192.0.2.1"],
    ["::ffff:c000:201", "192.0.2.1"],
  ])("keys IPv4-mapped %j as the IPv4 address", (ip, key) => {
    expect(ipRateKey(ip)).toBe(key);
  });

  it.each([
    "unknown",
    "",
    "2001:db8:::1",
    "2001:db8::1::2",
    "1:2:3:4:5:6:7:8:9",
    "12345::1",
    "2001:db8:1:2:3:4:5",
    "1.2.3.256",
    "1.2.3",
    "::ffff:1.2.3.999",
    "g::1",
    "2001:db8::1%",
  ])("falls back to the raw string for %j", (ip) => {
    expect(ipRateKey(ip)).toBe(ip);
  });
});
