import { revokeKidsAtEdge } from "../../auth/revocation";
import { toHex } from "../../crypto/encoding";
import { reseal, seal, sealedKeyId } from "../../crypto/secretbox";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { forgetPublishedKeys, PUBLISHED_KEYS_KV_KEY, type PublishedKeySet, sealContext } from "./keyring";
import {
  countKeys,
  insertKeyIfFree,
  keyByKid,
  liveKeys,
  promoteStatements,
  resealStatement,
  retireStatement,
  revokeStatement,
  type SigningKeyRow,
} from "./store";

/**
 * The signing-key lifecycle (docs/signing-keys.md): next (published, not signing) → current (signs) → previous
 * (published until every token it signed has expired) → retired; revoked at any point but current. D1 holds
 * the keys, the private JWK sealed under ENCRYPTION_KEYS; every change republishes the set to KV.
 */

/** The verifier's clock tolerance (crypto/jwt.ts) plus a minute: how long a key's tokens may still be accepted. */
const TOLERANCE_SECONDS = 120 + 60;

/** The longest a token signed by a key stays valid after the key stops signing (seconds). */
export function maxTokenLifetime(ctx: RequestContext): number {
  return Math.max(ctx.config.ACCESS_TOKEN_TTL, ctx.config.PRE_AUTH_TTL) + TOLERANCE_SECONDS;
}

/** A new ES256 key pair from WebCrypto, kid `gh-<16 hex>`, the private JWK sealed to the kid. */
async function generateKey(ctx: RequestContext) {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const kid = `gh-${toHex(ctx.random(8))}`;
  const publicJwk = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
  const privateJwk = { ...publicJwk, d: jwk.d };
  const sealed = await seal(
    new TextEncoder().encode(JSON.stringify(privateJwk)),
    ctx.config.ENCRYPTION_KEYS,
    sealContext(kid),
    ctx.random,
  );
  return { kid, alg: "ES256", publicJwk: JSON.stringify(publicJwk), privateJwk: sealed };
}

/** Creates a `next` key unless one exists (the unique index decides a race). */
async function ensureNext(ctx: RequestContext): Promise<boolean> {
  const key = await generateKey(ctx);
  return insertKeyIfFree(ctx.db, { ...key, state: "next", origin: "generated", createdAt: ctx.now() });
}

/**
 * First use on a deployment: the keys of JWT_SIGNING_KEYS are imported — its current key as `current` (so the
 * tokens it signed keep verifying and it keeps signing until the first rotation), the others as `previous`
 * (public only; retired once their tokens have expired). Idempotent: the kid is the primary key.
 */
async function importBootstrap(ctx: RequestContext): Promise<void> {
  const parsed = JSON.parse(ctx.config.JWT_SIGNING_KEYS) as {
    current: string;
    keys: Record<string, unknown>[];
  };
  const now = ctx.now();
  for (const jwk of parsed.keys) {
    const kid = String(jwk.kid);
    const alg = String(jwk.alg);
    const { d, key_ops: _ops, ext: _ext, use: _use, ...pub } = jwk;
    const isCurrent = kid === parsed.current;
    const privateJwk =
      isCurrent && typeof d === "string"
        ? await seal(
            new TextEncoder().encode(JSON.stringify({ ...pub, d })),
            ctx.config.ENCRYPTION_KEYS,
            sealContext(kid),
            ctx.random,
          )
        : null;
    await insertKeyIfFree(ctx.db, {
      kid,
      alg,
      publicJwk: JSON.stringify({ ...pub, kid: undefined, alg: undefined }),
      privateJwk,
      state: isCurrent ? "current" : "previous",
      origin: "imported",
      createdAt: now,
      activatedAt: isCurrent ? now : null,
      deactivatedAt: isCurrent ? null : now,
    });
  }
}

/** Makes sure D1 has a current and a next key (importing the bootstrap set on first use); publishes on change. */
export async function ensureSigningKeys(ctx: RequestContext): Promise<SigningKeyRow[]> {
  let changed = false;
  if ((await countKeys(ctx.db)) === 0) {
    await importBootstrap(ctx);
    changed = true;
  }
  let live = await liveKeys(ctx.db);
  if (!live.some((k) => k.state === "next")) {
    changed = (await ensureNext(ctx)) || changed;
    live = await liveKeys(ctx.db);
  }
  if (changed) await publishKeys(ctx, live);
  return live;
}

/** Writes the published set to KV (no expiry) and forgets this isolate's copy so it sees the change at once. */
export async function publishKeys(ctx: RequestContext, live?: SigningKeyRow[]): Promise<void> {
  const rows = live ?? (await liveKeys(ctx.db));
  const record: PublishedKeySet = {
    v: 1,
    publishedAt: ctx.now(),
    keys: rows.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      state: k.state as "next" | "current" | "previous",
      jwk: JSON.parse(k.publicJwk),
      ...(k.state === "current" && k.privateJwk ? { sealed: k.privateJwk } : {}),
    })),
  };
  await ctx.kv.put(PUBLISHED_KEYS_KV_KEY, JSON.stringify(record));
  forgetPublishedKeys();
}

export interface RotationResult {
  rotated: boolean;
  current: string | null;
  previous: string | null;
}

/**
 * Promotes next → current and current → previous, then creates a new next and publishes. Two rotations at
 * once: the conditional UPDATEs let exactly one of them move the keys; the other reports `rotated: false`.
 */
export async function promoteNext(
  ctx: RequestContext,
  input: { actorId: string | null; reason: string | null; by: "admin" | "maintenance" },
): Promise<RotationResult> {
  const live = await ensureSigningKeys(ctx);
  const current = live.find((k) => k.state === "current") ?? null;
  const next = live.find((k) => k.state === "next");
  if (!next) throw new AuthError("conflict", { internal: { reason: "no next signing key" } });
  const now = ctx.now();
  const [, promoted] = await ctx.db.batch(
    promoteStatements(ctx.db, { currentKid: current?.kid ?? null, nextKid: next.kid, now }),
  );
  const rotated = promoted.length === 1;
  if (rotated) {
    await commit(ctx, {
      audit: {
        action: "signing_key.rotated",
        actorId: input.actorId,
        target: { type: "signing_key", id: next.kid },
        reason: input.reason,
        metadata: { previous: current?.kid ?? null, by: input.by },
      },
    });
  }
  await ensureNext(ctx);
  await publishKeys(ctx);
  return { rotated, current: rotated ? next.kid : (current?.kid ?? null), previous: current?.kid ?? null };
}

/**
 * After an ENCRYPTION_KEYS rotation (new key first), moves the sealed private JWKs of the live keys to the
 * current key and republishes, so the old encryption key can be removed without breaking signing.
 */
export async function resealSigningKeys(ctx: RequestContext): Promise<number> {
  const current = ctx.config.ENCRYPTION_KEYS[0];
  if (!current) return 0;
  const stale = (await liveKeys(ctx.db)).filter(
    (k) => k.privateJwk && sealedKeyId(k.privateJwk) !== current.id,
  );
  let moved = 0;
  for (const key of stale) {
    const resealed = await reseal(
      key.privateJwk ?? "",
      ctx.config.ENCRYPTION_KEYS,
      sealContext(key.kid),
      ctx.random,
    );
    if (!resealed) {
      logger.error("signing key cannot be opened with any configured encryption key", { kid: key.kid });
      continue;
    }
    await ctx.db.batch([resealStatement(ctx.db, key.kid, key.privateJwk ?? "", resealed)]);
    moved += 1;
  }
  if (moved > 0) await publishKeys(ctx);
  return moved;
}

/** Retires previous keys whose every token has expired; returns their kids. */
export async function retireExpiredKeys(ctx: RequestContext): Promise<string[]> {
  const now = ctx.now();
  const retired = await ctx.db.batch([retireStatement(ctx.db, now - maxTokenLifetime(ctx) * 1000, now)]);
  const kids = retired[0].map((r) => r.kid);
  if (kids.length > 0) {
    await commit(ctx, {
      audit: { action: "signing_key.retired", metadata: { kids, by: "maintenance" } },
    });
    await publishKeys(ctx);
  }
  return kids;
}

/**
 * The daily cron: bootstrap if needed, retire what has expired, promote when the current key has signed for
 * SIGNING_KEY_ROTATION_DAYS and the next one has been published for longer than verifiers cache the JWKS.
 */
export async function rotateSigningKeysIfDue(
  ctx: RequestContext,
): Promise<{ rotated: boolean; retired: number }> {
  const live = await ensureSigningKeys(ctx);
  await resealSigningKeys(ctx);
  const retired = await retireExpiredKeys(ctx);
  const now = ctx.now();
  const current = live.find((k) => k.state === "current");
  const next = live.find((k) => k.state === "next");
  const period = ctx.config.SIGNING_KEY_ROTATION_DAYS * 86_400_000;
  const due = !current || now - (current.activatedAt ?? current.createdAt) >= period;
  const nextSeen = next !== undefined && now - next.createdAt >= JWKS_CACHE_SECONDS * 2 * 1000;
  if (!(due && nextSeen)) {
    // Republished daily even without a change: a lost or stale KV record heals within a day.
    await publishKeys(ctx);
    return { rotated: false, retired: retired.length };
  }
  const result = await promoteNext(ctx, { actorId: null, reason: null, by: "maintenance" });
  return { rotated: result.rotated, retired: retired.length };
}

/** What the JWKS allows verifiers to cache (features/well-known/routes.ts: max-age=300). */
export const JWKS_CACHE_SECONDS = 300;

/**
 * Revokes a key: its tokens die at once at the edge (the kid goes where the per-request revocation check
 * looks), it leaves the JWKS, and it never signs again. The current key is first replaced by the next one;
 * without a next key the answer is 409 signing_key_in_use.
 */
export async function revokeSigningKey(
  ctx: RequestContext,
  input: { kid: string; actorId: string; reason: string },
): Promise<SigningKeyRow> {
  const key = await keyByKid(ctx.db, input.kid);
  if (!key) throw new AuthError("not_found", { internal: { reason: "unknown kid" } });
  if (key.state === "revoked") return key;
  if (key.state === "current") {
    const next = (await liveKeys(ctx.db)).find((k) => k.state === "next");
    if (!next) throw new AuthError("signing_key_in_use");
    await promoteNext(ctx, { actorId: input.actorId, reason: input.reason, by: "admin" });
  }
  const now = ctx.now();
  const [revoked] = await commit(ctx, {
    writes: [revokeStatement(ctx.db, key.kid, ["next", "previous", "retired"], now)] as const,
    audit: {
      action: "signing_key.revoked",
      actorId: input.actorId,
      target: { type: "signing_key", id: key.kid },
      reason: input.reason,
      metadata: { state: key.state },
    },
    after: [
      {
        name: "signing_key.revoke_at_edge",
        critical: true,
        run: () =>
          revokeKidsAtEdge(
            { kv: ctx.kv, now: ctx.now, maxTokenTtl: maxTokenLifetime(ctx) },
            [key.kid],
            "signing key revoked",
          ),
      },
    ],
  });
  if (revoked.length === 0) throw new AuthError("conflict", { internal: { reason: "key changed state" } });
  if (key.state === "next") await ensureNext(ctx);
  await publishKeys(ctx);
  const row = await keyByKid(ctx.db, key.kid);
  if (!row) throw new AuthError("not_found");
  return row;
}
