import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { issueAccessToken, verifyWithActiveKeys } from "../../src/auth/access-tokens";
import { isRevokedAtEdge } from "../../src/auth/revocation";
import { toBase64url } from "../../src/crypto/encoding";
import {
  activeSigningKeys,
  FRESH_MS,
  forgetPublishedKeys,
  PUBLISHED_KEYS_KV_KEY,
  UNKNOWN_KID_REFETCH_MS,
} from "../../src/features/signing-keys/keyring";
import { ensureSigningKeys, promoteNext } from "../../src/features/signing-keys/service";
import { cronContext, kidOf, resetKeys } from "../integration/signing-keys/support";
import { accessClaims } from "../support/claims";
import { testWorker } from "../support/helpers";

/** The real KV binding, counting the reads that go through it. */
function countingKv(kv: KVNamespace) {
  const calls = { get: 0 };
  const wrapped = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "get") {
        return (...args: unknown[]) => {
          calls.get += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: wrapped as KVNamespace, calls };
}

const text = (value: unknown) => toBase64url(new TextEncoder().encode(JSON.stringify(value)));

beforeEach(resetKeys);

describe("the per-isolate signing-key cache", () => {
  it("reads KV once per FRESH_MS; when stale, one request refreshes while concurrent ones keep the cached set", async () => {
    const app = testWorker();
    const ctx = cronContext(app);
    await ensureSigningKeys(ctx);
    const { kv, calls } = countingKv(env.KV);
    const src = { config: ctx.config, kv, now: app.clock.now };
    const first = await activeSigningKeys(src);
    expect(calls.get).toBe(1);
    app.clock.advance(FRESH_MS - 1);
    expect(await activeSigningKeys(src)).toBe(first);
    expect(calls.get).toBe(1);
    app.clock.advance(1);
    const sets = await Promise.all([activeSigningKeys(src), activeSigningKeys(src), activeSigningKeys(src)]);
    expect(calls.get).toBe(2);
    // an unchanged record keeps the imported keys (no re-import)
    for (const set of sets) expect(set).toBe(first);
  });

  it("a verifier with an old cache recovers at once on an unknown kid; a flood of forged kids costs one read per window", async () => {
    const app = testWorker();
    const ctx = cronContext(app);
    await ensureSigningKeys(ctx);
    const stale = await env.KV.get(PUBLISHED_KEYS_KV_KEY);
    await promoteNext(ctx, { actorId: null, reason: null, by: "admin" });
    await promoteNext(ctx, { actorId: null, reason: null, by: "admin" });
    const { kv, calls } = countingKv(env.KV);
    const src = { config: ctx.config, kv, now: app.clock.now };
    // another isolate's token, signed with a key two rotations newer than this isolate's copy
    const { token } = await issueAccessToken(ctx.config, { ...ctx, kv: env.KV }, "u1", accessClaims("s1"));
    const fresh = await env.KV.get(PUBLISHED_KEYS_KV_KEY);
    await env.KV.put(PUBLISHED_KEYS_KV_KEY, stale ?? "");
    forgetPublishedKeys();
    const old = await activeSigningKeys(src);
    const kid = kidOf(token) ?? "";
    expect(old.byKid.has(kid)).toBe(false);
    await env.KV.put(PUBLISHED_KEYS_KV_KEY, fresh ?? "");

    const options = {
      type: "access" as const,
      issuer: ctx.config.PUBLIC_ORIGIN,
      audience: ctx.config.JWT_AUDIENCE,
    };
    const before = calls.get;
    const verified = await verifyWithActiveKeys(src, token, { ...options, now: app.clock.now() });
    expect(verified.ok).toBe(true);
    expect(calls.get).toBe(before + 1);

    const forged = `${text({ alg: "ES256", kid: "forged", typ: "at+jwt" })}.${text({ sub: "x" })}.AAAA`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        verifyWithActiveKeys(src, forged, { ...options, now: app.clock.now() }),
      ),
    );
    expect(results.every((r) => !r.ok && r.reason === "unknown_key")).toBe(true);
    expect(calls.get).toBe(before + 1);
    app.clock.advance(UNKNOWN_KID_REFETCH_MS);
    await verifyWithActiveKeys(src, forged, { ...options, now: app.clock.now() });
    expect(calls.get).toBe(before + 2);
  });
});

describe("revoked kids at the edge", () => {
  it("are read in the same single KV bulk get as the session record", async () => {
    const { kv, calls } = countingKv(env.KV);
    const now = Date.now();
    await env.KV.put("revoked:kid:gh-leaked", JSON.stringify({ at: now }), { expirationTtl: 3600 });
    const token = { userId: "u", sid: "s", sep: 0, team: null, mst: null };
    expect(await isRevokedAtEdge(kv, { ...token, kid: "gh-leaked" }, now)).toBe(true);
    expect(calls.get).toBe(1);
    expect(await isRevokedAtEdge(kv, { ...token, kid: "gh-fine" }, now)).toBe(false);
    expect(calls.get).toBe(2);
    expect(await isRevokedAtEdge(kv, { ...token, team: "t", mst: 1, kid: "gh-leaked" }, now)).toBe(true);
    expect(calls.get).toBe(3);
  });
});
