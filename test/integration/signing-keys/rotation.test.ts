import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { issueAccessToken } from "../../../src/auth/access-tokens";
import { PUBLISHED_KEYS_KV_KEY } from "../../../src/features/signing-keys/keyring";
import { promoteNext, rotateSigningKeysIfDue } from "../../../src/features/signing-keys/service";
import { accessClaims } from "../../support/claims";
import { signIn, testWorker, verifiedOwner } from "../../support/helpers";
import { as, ownerSession } from "../../support/teams";
import { bootstrapKid, cronContext, jwksKids, keyRows, kidInState, kidOf, resetKeys } from "./support";

const ME = "/api/v1/auth/me";
const DAY = 86_400_000;

beforeEach(resetKeys);

describe("signing keys: bootstrap from JWT_SIGNING_KEYS", () => {
  it("with an empty table, tokens are signed with the configured key and the JWKS publishes it", async () => {
    const app = testWorker();
    expect(await keyRows()).toEqual([]);
    const owner = await ownerSession(app);
    expect(kidOf(owner.accessToken)).toBe(bootstrapKid());
    expect((await owner.call("GET", ME)).status).toBe(200);
    expect(await jwksKids(app)).toEqual([bootstrapKid()]);
    expect(await env.KV.get(PUBLISHED_KEYS_KV_KEY)).toBeNull();
  });

  it("the first cron run imports the configured key as current and publishes a next key that does not sign", async () => {
    const app = testWorker();
    const before = await ownerSession(app);
    const result = await rotateSigningKeysIfDue(cronContext(app));
    expect(result.rotated).toBe(false);
    const rows = await keyRows();
    expect(rows.map((r) => r.state).sort()).toEqual(["current", "next"]);
    expect(await kidInState("current")).toBe(bootstrapKid());
    const next = await kidInState("next");
    // published before it signs
    expect(await jwksKids(app)).toEqual([bootstrapKid(), next]);
    const after = await ownerSession(app);
    expect(kidOf(after.accessToken)).toBe(bootstrapKid());
    // the token signed before the import still verifies
    expect((await before.call("GET", ME)).status).toBe(200);
  });
});

describe("signing keys: the rotation lifecycle on the injected clock", () => {
  it("promotes next after the rotation period; previous still verifies until retired; then its tokens fail", async () => {
    const app = testWorker();
    const ctx = cronContext(app);
    await rotateSigningKeysIfDue(ctx);
    const first = await kidInState("current");
    const next = await kidInState("next");

    // Not due yet: nothing moves.
    app.clock.advance(29 * DAY);
    expect((await rotateSigningKeysIfDue(ctx)).rotated).toBe(false);

    app.clock.advance(1 * DAY);
    const oldOwner = await ownerSession(app);
    expect(kidOf(oldOwner.accessToken)).toBe(first);
    expect((await rotateSigningKeysIfDue(ctx)).rotated).toBe(true);
    expect(await kidInState("current")).toBe(next);
    const newNext = await kidInState("next");
    const published = await jwksKids(app);
    expect(published[0]).toBe(next);
    expect(new Set(published)).toEqual(new Set([first, next, newNext]));

    // New tokens use the promoted key; the previous key's token still verifies.
    const newOwner = await ownerSession(app);
    expect(kidOf(newOwner.accessToken)).toBe(next);
    expect((await oldOwner.call("GET", ME)).status).toBe(200);

    // Running the cron again at once is a no-op (idempotent).
    expect(await rotateSigningKeysIfDue(ctx)).toEqual({ rotated: false, retired: 0 });

    // Past the longest token lifetime (+ tolerance) the previous key is retired and leaves the JWKS.
    app.clock.advance(20 * 60_000);
    expect((await rotateSigningKeysIfDue(ctx)).retired).toBe(1);
    expect(await jwksKids(app)).not.toContain(first);
    expect((await keyRows()).find((r) => r.kid === first)?.state).toBe("retired");

    // A still-unexpired token signed with the retired key (forged here with the bootstrap secret) is refused.
    const { token } = await issueAccessToken(
      ctx.config,
      { now: app.clock.now, random: ctx.random },
      newOwner.userId,
      accessClaims("s"),
    );
    expect(kidOf(token)).toBe(first);
    const refused = await as(app, token)("GET", ME);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("invalid_token");
  });

  it("two concurrent rotations leave exactly one current and one next", async () => {
    const app = testWorker();
    const ctx = cronContext(app);
    await rotateSigningKeysIfDue(ctx);
    const next = await kidInState("next");
    const results = await Promise.all([
      promoteNext(ctx, { actorId: null, reason: "a", by: "admin" }),
      promoteNext(cronContext(app), { actorId: null, reason: "b", by: "admin" }),
    ]);
    expect(results.filter((r) => r.rotated)).toHaveLength(1);
    const rows = await keyRows();
    expect(rows.filter((r) => r.state === "current").map((r) => r.kid)).toEqual([next]);
    expect(rows.filter((r) => r.state === "next")).toHaveLength(1);
    const audited = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_logs WHERE action = 'signing_key.rotated' AND target_id = ?",
    )
      .bind(next)
      .first<{ n: number }>();
    expect(audited?.n).toBe(1);
  });
});

describe("signing keys: private material at rest", () => {
  it('D1 and KV hold the private JWK only sealed (no "d" in clear); the JWKS has no private member', async () => {
    const app = testWorker();
    await rotateSigningKeysIfDue(cronContext(app));
    for (const row of await keyRows()) {
      expect(row.privateJwk).toMatch(/^gh1\./);
      expect(row.privateJwk).not.toContain('"d"');
      expect(row.publicJwk).not.toContain('"d"');
    }
    const published = await env.KV.get(PUBLISHED_KEYS_KV_KEY);
    expect(published).toContain("gh1.");
    expect(published).not.toContain('"d"');
    const jwks = await (await app.request("GET", "/.well-known/jwks.json")).text();
    expect(jwks).not.toContain('"d"');
  });
});

describe("signing keys: ENCRYPTION_KEYS rotation", () => {
  it("the cron reseals the live private keys under the new encryption key; signing works once the old one is gone", async () => {
    const app = testWorker();
    const user = await verifiedOwner(app);
    await rotateSigningKeysIfDue(cronContext(app));
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const fresh = `k-new:${btoa(String.fromCharCode(...raw))}`;
    const both = testWorker({
      clock: app.clock,
      env: { ENCRYPTION_KEYS: `${fresh},${env.ENCRYPTION_KEYS}` },
    });
    await rotateSigningKeysIfDue(cronContext(both));
    for (const row of await keyRows()) expect(row.privateJwk).toMatch(/^gh1\.k-new\./);
    const onlyNew = testWorker({ clock: app.clock, env: { ENCRYPTION_KEYS: fresh } });
    // (the mail pipeline runs with the test's default bindings, so the user registered before the switch)
    const session = await signIn(onlyNew, user.email, user.password, user.teamId);
    expect(kidOf(session.accessToken)).toBe(bootstrapKid());
    expect((await as(onlyNew, session.accessToken)("GET", ME)).status).toBe(200);
  });
});
