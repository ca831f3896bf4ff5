import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { promoteNext, rotateSigningKeysIfDue } from "../../../src/features/signing-keys/service";
import { platformSession } from "../../support/admin";
import { testWorker } from "../../support/helpers";
import { ownerSession } from "../../support/teams";
import { bootstrapKid, cronContext, jwksKids, keyRows, kidInState, kidOf, resetKeys } from "./support";

const ME = "/api/v1/auth/me";
const KEYS = "/api/v1/admin/signing-keys";

beforeEach(resetKeys);

describe("admin signing-key endpoints", () => {
  it("are admin-only: anonymous 401, support 403; the list shows kids, states and dates, never key material", async () => {
    const app = testWorker();
    const admin = await platformSession(app, ["admin"]);
    const support = await platformSession(app, ["support"]);
    expect((await app.request("GET", KEYS)).status).toBe(401);
    expect((await support.call("GET", KEYS)).status).toBe(403);
    expect((await support.call("POST", `${KEYS}/rotate`, { reason: "x" })).status).toBe(403);
    expect((await support.call("DELETE", `${KEYS}/${bootstrapKid()}`, { reason: "x" })).status).toBe(403);
    expect((await app.request("POST", `${KEYS}/rotate`, { body: { reason: "x" } })).status).toBe(401);

    const empty = (await (await admin.call("GET", KEYS)).json()) as { source: string; keys: unknown[] };
    expect(empty).toEqual({ source: "bootstrap", keys: [] });
    expect((await admin.call("POST", `${KEYS}/rotate`, {})).status).toBe(422);

    const rotated = await admin.call("POST", `${KEYS}/rotate`, { reason: "scheduled drill" });
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as { source: string; keys: { kid: string; state: string }[] };
    expect(body.source).toBe("managed");
    expect(body.keys.map((k) => k.state).sort()).toEqual(["current", "next", "previous"]);
    expect(body.keys.find((k) => k.kid === bootstrapKid())?.state).toBe("previous");
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/"d"|"x"|gh1\./);
    const audit = await env.DB.prepare(
      "SELECT actor_id AS actorId, reason FROM audit_logs WHERE action = 'signing_key.rotated' ORDER BY at DESC LIMIT 1",
    ).first<{ actorId: string; reason: string }>();
    expect(audit).toEqual({ actorId: admin.userId, reason: "scheduled drill" });
    // the admin's own token (signed by the now previous key) still works
    expect((await admin.call("GET", ME)).status).toBe(200);
  });

  it("revoking a key kills its tokens on the very next request while others pass; unknown kid 404", async () => {
    // Revoked kids stay revoked at the edge (KV and this isolate) for the tokens' lifetime: the tests revoke
    // generated keys only, never the configured one every test starts from.
    const app = testWorker();
    const ctx = cronContext(app);
    await rotateSigningKeysIfDue(ctx);
    await promoteNext(ctx, { actorId: null, reason: "test", by: "admin" });
    const oldOwner = await ownerSession(app);
    const oldKid = kidOf(oldOwner.accessToken);
    expect(oldKid).toBe(await kidInState("current"));
    expect(oldKid).not.toBe(bootstrapKid());
    const admin = await platformSession(app, ["admin"]);
    expect((await admin.call("POST", `${KEYS}/rotate`, { reason: "leak drill" })).status).toBe(200);
    // the admin signs in again so their own token is signed by the new key
    const admin2 = await platformSession(app, ["admin"]);
    const newOwner = await ownerSession(app);
    expect(kidOf(newOwner.accessToken)).not.toBe(oldKid);
    expect((await oldOwner.call("GET", ME)).status).toBe(200);

    const revoked = await admin2.call("DELETE", `${KEYS}/${oldKid}`, { reason: "key leaked" });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { state: string }).state).toBe("revoked");

    const dead = await oldOwner.call("GET", ME);
    expect(dead.status).toBe(401);
    expect(dead.headers.get("www-authenticate")).toContain("invalid_token");
    expect((await newOwner.call("GET", ME)).status).toBe(200);
    expect(await jwksKids(app)).not.toContain(oldKid);
    expect(await env.KV.get(`revoked:kid:${oldKid}`)).not.toBeNull();
    const row = (await keyRows()).find((r) => r.kid === oldKid);
    expect(row).toMatchObject({ state: "revoked", privateJwk: null });

    expect((await admin2.call("DELETE", `${KEYS}/gh-nope`, { reason: "x" })).status).toBe(404);
    const audit = await env.DB.prepare(
      "SELECT reason FROM audit_logs WHERE action = 'signing_key.revoked' AND target_id = ?",
    )
      .bind(oldKid)
      .first<{ reason: string }>();
    expect(audit?.reason).toBe("key leaked");
  });

  it("the current key: replaced by next first (its tokens die); without a next key 409 signing_key_in_use", async () => {
    const app = testWorker();
    const ctx = cronContext(app);
    await rotateSigningKeysIfDue(ctx);
    await promoteNext(ctx, { actorId: null, reason: "test", by: "admin" });
    const admin = await platformSession(app, ["admin"]);
    const current = await kidInState("current");
    const next = await kidInState("next");
    expect(kidOf(admin.accessToken)).toBe(current);

    await env.DB.prepare(
      "UPDATE signing_keys SET state = 'retired', retired_at = 0 WHERE state = 'next'",
    ).run();
    const refused = await admin.call("DELETE", `${KEYS}/${current}`, { reason: "leak" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("signing_key_in_use");
    await env.DB.prepare("UPDATE signing_keys SET state = 'next', retired_at = NULL WHERE kid = ?")
      .bind(next)
      .run();

    const ok = await admin.call("DELETE", `${KEYS}/${current}`, { reason: "leak" });
    expect(ok.status).toBe(200);
    expect(await kidInState("current")).toBe(next);
    // the admin's token was signed with the revoked key: refused at once
    expect((await admin.call("GET", ME)).status).toBe(401);
    const owner = await ownerSession(app);
    expect(kidOf(owner.accessToken)).toBe(next);
    expect((await owner.call("GET", ME)).status).toBe(200);
  });
});

describe("JWKS", () => {
  it("lists current, next and previous with cache headers and an ETag (304 when unchanged)", async () => {
    const app = testWorker();
    await rotateSigningKeysIfDue(cronContext(app));
    const admin = await platformSession(app, ["admin"]);
    await admin.call("POST", `${KEYS}/rotate`, { reason: "drill" });
    const res = await app.request("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age=300");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    expect(keys[0]?.kid).toBe(await kidInState("current"));
    expect(new Set(keys.map((k) => k.kid))).toEqual(
      new Set([await kidInState("current"), await kidInState("next"), await kidInState("previous")]),
    );
    for (const k of keys) {
      expect(k).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(k.d).toBeUndefined();
    }
    const again = await app.request("GET", "/.well-known/jwks.json", {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(again.status).toBe(304);
    await admin.call("POST", `${KEYS}/rotate`, { reason: "drill 2" });
    const changed = await app.request("GET", "/.well-known/jwks.json", {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });
});
