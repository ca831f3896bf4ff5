import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail } from "../../support/helpers";

/** A /64 of the documentation range no other test uses: `2001:db8:<a>:<b>::`. */
function randomPrefix(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${(a ?? 0).toString(16)}:${(b ?? 0).toString(16)}`;
}

describe("per-IP rate limits key IPv6 clients by their /64", () => {
  it("forgot-password (20/hour per IP): a whole /64 shares one budget, the next /64 has its own", async () => {
    const app = testWorker();
    const prefix = randomPrefix();
    const forgot = (ip: string) =>
      app.request("POST", "/api/v1/auth/forgot-password", {
        body: { email: uniqueEmail("v6") },
        headers: { "cf-connecting-ip": ip },
      });

    // 20 requests from 20 different addresses of the same /64, written in different forms
    for (let i = 1; i <= 20; i++) {
      const ip =
        i % 2 === 0 ? `${prefix}::${i.toString(16)}` : `${prefix.toUpperCase()}:0:0:0:${i.toString(16)}`;
      expect((await forgot(ip)).status).toBe(202);
    }

    const sameNetwork = await forgot(`${prefix}:ffff:ffff:ffff:fffe`);
    expect(sameNetwork.status).toBe(429);
    expect(Number(sameNetwork.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await sameNetwork.json()).toMatchObject({ code: "rate_limited" });

    const [head, a, b, c] = prefix.split(":");
    const nextNetwork = `${head}:${a}:${b}:${((Number.parseInt(c ?? "0", 16) + 1) % 0x10000).toString(16)}::1`;
    expect((await forgot(nextNetwork)).status).toBe(202);
  });

  it("an IPv4-mapped IPv6 address counts as its IPv4 address", async () => {
    const app = testWorker();
    const [x, y] = crypto.getRandomValues(new Uint8Array(2));
    const v4 = `192.0.${x}.${y}`;
    const forgot = (ip: string) =>
      app.request("POST", "/api/v1/auth/forgot-password", {
        body: { email: uniqueEmail("mapped") },
        headers: { "cf-connecting-ip": ip },
      });
    for (let i = 0; i < 20; i++) {
      expect((await forgot(i % 2 === 0 ? v4 : `::ffff:${v4}`)).status).toBe(202);
    }
    expect((await forgot(`::ffff:${v4}`)).status).toBe(429);
    expect((await forgot(v4)).status).toBe(429);
  });
});
