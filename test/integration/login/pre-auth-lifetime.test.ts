import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { issuePreAuthToken, LOGIN_MAX_STEPS, readPreAuthToken } from "../../../src/features/login/pre-auth";
import { parseConfig } from "../../../src/platform/config";

const config = (() => {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`test config: ${parsed.variables.join(", ")}`);
  return parsed.config;
})();
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const state = (started: number) => ({
  userId: "u1",
  device: "d".repeat(64),
  rememberMe: false,
  done: [],
  started,
  risk: ["new_country" as const],
  approval: "a1",
  stamp: "0123456789abcdef",
});

describe("pre-auth tokens: each step's 5 minutes, and the whole login's cap", () => {
  it("round-trips the login's state (steps done, risk, approval, start)", async () => {
    const now = Date.now();
    const { token } = await issuePreAuthToken(config, { now: () => now, random }, state(now));
    const read = await readPreAuthToken(config, token, "d".repeat(64), now + 1000);
    expect(read).toMatchObject({
      userId: "u1",
      risk: ["new_country"],
      approval: "a1",
      done: [],
      stamp: "0123456789abcdef",
    });
    expect(read.started).toBe(Math.floor(now / 1000) * 1000);
    expect(read.expiresAt).toBe((Math.floor(now / 1000) + config.PRE_AUTH_TTL) * 1000);
  });

  it("a fresh token of a login that started too long ago is refused", async () => {
    const now = Date.now();
    const started = now - LOGIN_MAX_STEPS * config.PRE_AUTH_TTL * 1000 + 60_000;
    const { token } = await issuePreAuthToken(config, { now: () => now, random }, state(started));
    await expect(readPreAuthToken(config, token, "d".repeat(64), now)).resolves.toBeTruthy();
    await expect(readPreAuthToken(config, token, "d".repeat(64), now + 61_000)).rejects.toMatchObject({
      code: "unauthorized",
    });
  });

  it("another device's token is refused", async () => {
    const now = Date.now();
    const { token } = await issuePreAuthToken(config, { now: () => now, random }, state(now));
    await expect(readPreAuthToken(config, token, "e".repeat(64), now)).rejects.toMatchObject({
      code: "unauthorized",
    });
  });
});
