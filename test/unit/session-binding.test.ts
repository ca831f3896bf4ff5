import { describe, expect, it } from "vitest";
import {
  type BindingPolicy,
  bindingClaim,
  bindingOf,
  checkBinding,
  checkBindingClaim,
  isBindingClaim,
  networkPrefix,
  type SessionBinding,
  uaFamily,
} from "../../src/auth/session-binding";
import { renderEmail } from "../../src/email/templates";

const UA = {
  chromeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  chromeWindowsNext:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  chromeMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  chromeLinux:
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  chromeAndroid:
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
  chromeIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
  chromeOs:
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  edgeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
  edgeMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
  edgeAndroid:
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.115",
  edgeIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/120.2210.126 Mobile/15E148 Safari/605.1.15",
  operaWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
  samsungAndroid:
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
  androidWebView:
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
  firefoxMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.2; rv:121.0) Gecko/20100101 Firefox/121.0",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
  firefoxLinuxNext: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  firefoxAndroid: "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0",
  firefoxIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15",
  safariMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
  safariIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
  safariIphoneNext:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  safariIpad:
    "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
  iosInApp:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
  curl: "curl/8.4.0",
  node: "node",
  python: "python-requests/2.31.0",
  go: "Go-http-client/2.0",
};

describe("uaFamily: browser family and OS, never versions", () => {
  it.each([
    ["chromeWindows", "chrome/windows"],
    ["chromeMac", "chrome/macos"],
    ["chromeLinux", "chrome/linux"],
    ["chromeAndroid", "chrome/android"],
    ["chromeIos", "chrome/ios"],
    ["chromeOs", "chrome/chromeos"],
    ["edgeWindows", "edge/windows"],
    ["edgeMac", "edge/macos"],
    ["edgeAndroid", "edge/android"],
    ["edgeIos", "edge/ios"],
    ["operaWindows", "opera/windows"],
    ["samsungAndroid", "samsung/android"],
    ["androidWebView", "webview/android"],
    ["firefoxWindows", "firefox/windows"],
    ["firefoxMac", "firefox/macos"],
    ["firefoxLinux", "firefox/linux"],
    ["firefoxAndroid", "firefox/android"],
    ["firefoxIos", "firefox/ios"],
    ["safariMac", "safari/macos"],
    ["safariIphone", "safari/ios"],
    ["safariIpad", "safari/ipados"],
    ["iosInApp", "webview/ios"],
    ["curl", "curl/other"],
    ["node", "node/other"],
    ["python", "python/other"],
    ["go", "go/other"],
  ] as const)("%s → %s", (name, family) => {
    expect(uaFamily(UA[name])).toBe(family);
  });

  it("an empty, missing or unknown user agent is other/other", () => {
    expect(uaFamily("")).toBe("other/other");
    expect(uaFamily("   ")).toBe("other/other");
    expect(uaFamily(null)).toBe("other/other");
    expect(uaFamily(undefined)).toBe("other/other");
    expect(uaFamily("SomethingElse/1.0")).toBe("other/other");
  });

  it("a browser update keeps the family (Chrome 120 → 131, Firefox 121 → 133, iOS 17 → 18)", () => {
    expect(uaFamily(UA.chromeWindowsNext)).toBe(uaFamily(UA.chromeWindows));
    expect(uaFamily(UA.firefoxLinuxNext)).toBe(uaFamily(UA.firefoxLinux));
    expect(uaFamily(UA.safariIphoneNext)).toBe(uaFamily(UA.safariIphone));
  });

  it("tells the Chromium browsers apart, though they all say Chrome/", () => {
    const families = new Set([UA.chromeWindows, UA.edgeWindows, UA.operaWindows].map((ua) => uaFamily(ua)));
    expect(families.size).toBe(3);
  });
});

describe("networkPrefix: IPv4 /24, IPv6 /48", () => {
  it.each([
    ["203.0.113.7", "203.0.113.0/24"],
    ["203.0.113.250", "203.0.113.0/24"],
    [" 198.51.100.20 ", "198.51.100.0/24"],
    ["2001:db8:1:2::7", "2001:db8:1::/48"],
    ["2001:0DB8:0001:0002:0000:0000:0000:0007", "2001:db8:1::/48"],
    ["2001:db8:1:ffff:ffff:ffff:ffff:ffff", "2001:db8:1::/48"],
    ["2001:db8::1", "2001:db8:0::/48"],
    ["fe80::1%eth0", "fe80:0:0::/48"],
    ["::ffff:192.0.2.33", "192.0.2.0/24"],
    ["::ffff:c000:221", "192.0.2.0/24"],
  ])("%j → %j", (ip, prefix) => {
    expect(networkPrefix(ip)).toBe(prefix);
  });

  it("compressed and expanded forms of one /48 agree; a neighbouring /24 or /48 does not", () => {
    expect(networkPrefix("2001:db8:1::1")).toBe(networkPrefix("2001:0db8:0001:0000:0000:0000:0000:0002"));
    expect(networkPrefix("203.0.113.7")).not.toBe(networkPrefix("203.0.114.7"));
    expect(networkPrefix("2001:db8:1::1")).not.toBe(networkPrefix("2001:db8:2::1"));
  });

  it("is null for what does not parse", () => {
    for (const ip of ["", "not-an-ip", "300.1.1.1", "1.2.3", "2001:db8::1::2", null, undefined]) {
      expect(networkPrefix(ip)).toBeNull();
    }
  });
});

const HOME: SessionBinding = {
  uaFamily: "safari/ios",
  netPrefix: "203.0.113.0/24",
  asn: 64500,
  country: "DE",
};

/** Policy × what changed → expected result, each row with why. */
const MATRIX: [
  BindingPolicy,
  string,
  Partial<SessionBinding>,
  "ok" | "ua_family" | "net_prefix" | "network",
][] = [
  // off: nothing is compared.
  ["off", "nothing changed", {}, "ok"],
  [
    "off",
    "another UA family and network",
    { uaFamily: "chrome/windows", asn: 1, country: "US", netPrefix: "198.51.100.0/24" },
    "ok",
  ],
  // strict: the UA family and the /24 (or /48).
  ["strict", "nothing changed", {}, "ok"],
  ["strict", "another address in the same /24", { netPrefix: "203.0.113.0/24" }, "ok"],
  ["strict", "another UA family", { uaFamily: "chrome/windows" }, "ua_family"],
  [
    "strict",
    "another /24, same ASN and country (the cell moved)",
    { netPrefix: "203.0.114.0/24" },
    "net_prefix",
  ],
  [
    "strict",
    "another /24 and network",
    { netPrefix: "198.51.100.0/24", asn: 64501, country: "FR" },
    "net_prefix",
  ],
  ["strict", "the request's address does not parse", { netPrefix: null }, "net_prefix"],
  // mobile: the UA family, and the same ASN or the same country.
  ["mobile", "nothing changed", {}, "ok"],
  [
    "mobile",
    "another /24 in the same ASN and country (the cell moved)",
    { netPrefix: "203.0.114.0/24" },
    "ok",
  ],
  [
    "mobile",
    "another ASN in the same country (Wi-Fi → mobile data)",
    { netPrefix: "198.51.100.0/24", asn: 64501 },
    "ok",
  ],
  [
    "mobile",
    "same ASN, another country (a carrier across a border)",
    { netPrefix: "198.51.100.0/24", country: "FR" },
    "ok",
  ],
  [
    "mobile",
    "another ASN and another country (a stolen token abroad)",
    { netPrefix: "198.51.100.0/24", asn: 64501, country: "FR" },
    "network",
  ],
  ["mobile", "another UA family on the same network", { uaFamily: "chrome/windows" }, "ua_family"],
  [
    "mobile",
    "request lacks ASN, country differs",
    { asn: null, country: "FR", netPrefix: "203.0.113.0/24" },
    "network",
  ],
  ["mobile", "request lacks ASN and country, same /24: prefix decides", { asn: null, country: null }, "ok"],
  [
    "mobile",
    "request lacks ASN and country, other /24: prefix decides",
    { asn: null, country: null, netPrefix: "198.51.100.0/24" },
    "net_prefix",
  ],
];

describe("checkBinding: the policy matrix", () => {
  it.each(MATRIX)("%s — %s", (policy, _why, change, expected) => {
    const result = checkBinding(policy, HOME, { ...HOME, ...change });
    expect(result).toEqual(expected === "ok" ? { ok: true } : { ok: false, reason: expected });
  });

  it("mobile, a session created without ASN and country: the prefix decides", () => {
    const bare: SessionBinding = { ...HOME, asn: null, country: null };
    expect(checkBinding("mobile", bare, { ...HOME })).toEqual({ ok: true });
    expect(checkBinding("mobile", bare, { ...HOME, netPrefix: "198.51.100.0/24" })).toEqual({
      ok: false,
      reason: "net_prefix",
    });
  });

  it("a session that recorded no prefix holds only to what it recorded", () => {
    const noPrefix: SessionBinding = { uaFamily: "other/other", netPrefix: null, asn: null, country: null };
    expect(checkBinding("strict", noPrefix, { ...noPrefix, netPrefix: "198.51.100.0/24" })).toEqual({
      ok: true,
    });
    expect(checkBinding("strict", noPrefix, { ...noPrefix, uaFamily: "curl/other" })).toEqual({
      ok: false,
      reason: "ua_family",
    });
  });

  it("bindingOf reads a client", () => {
    expect(bindingOf({ userAgent: UA.safariIphone, ip: "203.0.113.9", asn: 64500, country: "DE" })).toEqual(
      HOME,
    );
  });
});

describe("the bnd claim: the same decisions from hashes at the edge", () => {
  const k1 = { id: "k1", key: new Uint8Array(32).fill(7) };
  const keys = [k1];

  it("is small, keyed by the key id, and differs between sessions with the same binding", async () => {
    const a = await bindingClaim(k1, "session-a", HOME);
    const b = await bindingClaim(k1, "session-b", HOME);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a.startsWith("k1.")).toBe(true);
    expect(isBindingClaim(a)).toBe(true);
    expect(a.split(".").slice(1)).not.toEqual(b.split(".").slice(1));
    expect(a).not.toContain("DE");
  });

  it.each(MATRIX)("%s — %s (hashed)", async (policy, _why, change, expected) => {
    const bnd = await bindingClaim(k1, "sid-1", HOME);
    const result = await checkBindingClaim(policy, keys, { sid: "sid-1", bnd }, { ...HOME, ...change });
    expect(result).toEqual(expected === "ok" ? { ok: true } : { ok: false, reason: expected });
  });

  it("a claim for another session does not verify", async () => {
    const bnd = await bindingClaim(k1, "sid-1", HOME);
    expect(await checkBindingClaim("strict", keys, { sid: "sid-2", bnd }, HOME)).toEqual({
      ok: false,
      reason: "ua_family",
    });
  });

  it("a claim made with a key no longer configured is unverifiable, a malformed one too", async () => {
    const bnd = await bindingClaim({ id: "old", key: new Uint8Array(32).fill(1) }, "sid-1", HOME);
    expect(await checkBindingClaim("strict", keys, { sid: "sid-1", bnd }, HOME)).toBe("unverifiable");
    expect(await checkBindingClaim("strict", keys, { sid: "sid-1", bnd: "k1.short" }, HOME)).toBe(
      "unverifiable",
    );
  });
});

describe("the session_binding mail", () => {
  it("says what happened, names the refused client and offers a password reset", () => {
    const mail = renderEmail(
      "session_binding",
      {
        name: "Ana",
        device: "Chrome on Windows",
        ip: "198.51.100.7",
        location: "São Paulo, BR",
        resetUrl: "https://auth.example.com/forgot-password",
      },
      { productName: "Gatehouse", publicOrigin: "https://auth.example.com" },
    );
    expect(mail.subject).toBe("Security alert: we ended a sign-in on your account");
    expect(mail.text).toContain("used from another device or network than the one it started on");
    expect(mail.text).toContain(
      "Device: Chrome on Windows\nIP address: 198.51.100.7\nLocation: São Paulo, BR",
    );
    expect(mail.text).toContain(
      "If this was you (a new browser, or a different network), simply sign in again.",
    );
    expect(mail.links).toEqual(["https://auth.example.com/forgot-password"]);
  });
});
