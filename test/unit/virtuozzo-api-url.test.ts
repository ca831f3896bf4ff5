import { describe, expect, it } from "vitest";
import { type ApiUrlRefusal, checkApiUrl } from "../../src/features/virtuozzo/api-url";

const production = {
  environment: "production" as const,
  allowedHosts: [".jelastic.com", "vz.example.org", "203.0.114.7"],
};
const test = { ...production, environment: "test" as const };

describe("Virtuozzo apiUrl (SSRF rules)", () => {
  it.each([
    ["https://app.jelastic.com", "https://app.jelastic.com"],
    ["https://APP.Jelastic.com/1.0/users?x=1", "https://app.jelastic.com"],
    ["https://app.jelastic.com:8443/", "https://app.jelastic.com:8443"],
    ["https://vz.example.org", "https://vz.example.org"],
    ["https://api.vz.example.org", "https://api.vz.example.org"],
    ["  https://app.jelastic.com  ", "https://app.jelastic.com"],
  ])("production accepts %s as %s", (raw, origin) => {
    expect(checkApiUrl(raw, production)).toEqual({ ok: true, origin });
  });

  it.each<[string, ApiUrlRefusal]>([
    ["not a url", "malformed"],
    ["ftp://app.jelastic.com", "scheme"],
    ["http://app.jelastic.com", "scheme"],
    ["javascript:alert(1)", "scheme"],
    ["https://user:pw@app.jelastic.com", "userinfo"],
    ["https://user@app.jelastic.com", "userinfo"],
    ["https://app.jelastic.com/#frag", "fragment"],
    ["https://app.jelastic.com#", "fragment"],
    ["https://jelastic.com", "host_not_allowed"],
    ["https://app.jelastic.com.evil.net", "host_not_allowed"],
    ["https://evil-jelastic.com", "host_not_allowed"],
    ["https://example.org", "host_not_allowed"],
    ["https://app.jelastic.com./", "host_not_allowed"],
    ["http://127.0.0.1:8790", "scheme"],
    ["https://127.0.0.1", "private_address"],
    ["https://localhost", "private_address"],
    ["https://foo.localhost", "private_address"],
    ["https://10.0.0.5", "private_address"],
    ["https://172.16.0.1", "private_address"],
    ["https://172.31.255.255", "private_address"],
    ["https://192.168.1.1", "private_address"],
    ["https://169.254.169.254", "private_address"],
    ["https://100.64.0.1", "private_address"],
    ["https://100.127.255.254", "private_address"],
    ["https://0.0.0.0", "private_address"],
    ["https://0", "private_address"],
    ["https://2130706433", "private_address"],
    ["https://0x7f000001", "private_address"],
    ["https://0177.0.0.1", "private_address"],
    ["https://0x7f.1", "private_address"],
    ["https://127.1", "private_address"],
    ["https://3232235777", "private_address"],
    ["https://224.0.0.1", "private_address"],
    ["https://255.255.255.255", "private_address"],
    ["https://[::1]", "private_address"],
    ["https://[::]", "private_address"],
    ["https://[0:0:0:0:0:0:0:1]", "private_address"],
    ["https://[::ffff:127.0.0.1]", "private_address"],
    ["https://[::ffff:7f00:1]", "private_address"],
    ["https://[::ffff:10.1.2.3]", "private_address"],
    ["https://[::ffff:169.254.169.254]", "private_address"],
    ["https://[fc00::1]", "private_address"],
    ["https://[fd12:3456::1]", "private_address"],
    ["https://[fe80::1]", "private_address"],
    ["https://[ff02::1]", "private_address"],
    ["https://[64:ff9b::10.0.0.1]", "private_address"],
    ["https://[2002:c0a8:0101::1]", "private_address"],
    ["https://8.8.8.8", "host_not_allowed"],
    ["https://[2606:4700::1111]", "host_not_allowed"],
  ])("production refuses %s (%s)", (raw, reason) => {
    expect(checkApiUrl(raw, production)).toEqual({ ok: false, reason });
  });

  it("an exactly listed public address is allowed; a suffix never matches an address", () => {
    expect(checkApiUrl("https://203.0.114.7", production)).toEqual({
      ok: true,
      origin: "https://203.0.114.7",
    });
    expect(checkApiUrl("https://1.203.0.114.7", production).ok).toBe(false);
    expect(checkApiUrl("https://9.9.9.9", { ...production, allowedHosts: [".9.9"] })).toEqual({
      ok: false,
      reason: "host_not_allowed",
    });
  });

  it("production with an empty list refuses every URL", () => {
    expect(checkApiUrl("https://app.jelastic.com", { ...production, allowedHosts: [] })).toEqual({
      ok: false,
      reason: "host_not_allowed",
    });
  });

  it("development and test also take the local fake on loopback, http or https, any port", () => {
    for (const raw of ["http://127.0.0.1:8790", "http://localhost:8790/1.0/x", "https://127.0.0.1"]) {
      expect(checkApiUrl(raw, test).ok).toBe(true);
      expect(checkApiUrl(raw, { ...test, environment: "development" }).ok).toBe(true);
      expect(checkApiUrl(raw, production).ok).toBe(false);
    }
    expect(checkApiUrl("http://127.0.0.1:8790/path", test)).toEqual({
      ok: true,
      origin: "http://127.0.0.1:8790",
    });
    // …and nothing else local
    expect(checkApiUrl("http://10.0.0.1:8790", test)).toEqual({ ok: false, reason: "scheme" });
    expect(checkApiUrl("https://[::1]:8790", test)).toEqual({ ok: false, reason: "private_address" });
    expect(checkApiUrl("https://2130706434", test)).toEqual({ ok: false, reason: "private_address" });
    expect(checkApiUrl("http://user:pw@127.0.0.1:8790", test)).toEqual({ ok: false, reason: "userinfo" });
  });
});
