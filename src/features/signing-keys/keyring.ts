import type { JWK } from "jose";
import { loadSigningKeys, type SigningKeys } from "../../crypto/jwt";
import { open } from "../../crypto/secretbox";
import type { Config } from "../../platform/config";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";

/**
 * The signing keys as the edge sees them, per isolate, with no D1 access (docs/signing-keys.md).
 *
 * D1 (`signing_keys`) is the source of truth; every change publishes the usable set — next, current and
 * previous, the current one's private JWK still sealed — to one KV record. An isolate keeps the set it read for
 * FRESH_MS (one request refreshes a stale set, the others keep it meanwhile), and reads again at once (at most every
 * UNKNOWN_KID_REFETCH_MS) when a token names a kid it does not know. No record yet (a new deployment, every
 * test and development run) → the bootstrap set from the secret `JWT_SIGNING_KEYS`.
 */
export const PUBLISHED_KEYS_KV_KEY = "signing-keys:published";
export const FRESH_MS = 60_000;
export const UNKNOWN_KID_REFETCH_MS = 5_000;

/** Where the keys come from; without `kv` (a unit test of token code) only the bootstrap secret is used. */
export interface KeySource {
  config: Config;
  kv?: KVNamespace;
  now: () => number;
}

export type PublishedState = "next" | "current" | "previous";

/** The KV record. `sealed` (secretbox, context `signing-key:<kid>`) is present for the current key only. */
export interface PublishedKeySet {
  v: 1;
  publishedAt: number;
  keys: { kid: string; alg: string; state: PublishedState; jwk: JWK; sealed?: string }[];
}

/** The secretbox context a key's private JWK is sealed under, in D1 and in KV. */
export const sealContext = (kid: string) => `signing-key:${kid}`;

interface Entry {
  bootstrap: string;
  raw: string | null;
  keys: SigningKeys;
  fetchedAt: number;
}

let entry: Entry | undefined;
/** When a request of this isolate started refreshing a stale set (the others keep using it meanwhile). */
let refreshingSince = Number.NEGATIVE_INFINITY;
/** When this isolate last read KV because of an unknown kid. */
let lastForcedAt = Number.NEGATIVE_INFINITY;

/** Forgets this isolate's set (after a change made here, so this isolate sees it at once). */
export function forgetPublishedKeys(): void {
  entry = undefined;
  refreshingSince = Number.NEGATIVE_INFINITY;
  lastForcedAt = Number.NEGATIVE_INFINITY;
}

/**
 * The key set to sign with and verify against: cached per isolate, refreshed every FRESH_MS. When the set is
 * stale, the request that notices reads KV itself while concurrent requests keep the stale set: no promise of
 * one request's I/O is awaited by another (a Worker must not share I/O across requests), and no stampede.
 */
export async function activeSigningKeys(src: KeySource): Promise<SigningKeys> {
  const kv = src.kv;
  if (!kv) return bootstrapKeys(src.config);
  const now = src.now();
  const e = entry?.bootstrap === src.config.JWT_SIGNING_KEYS ? entry : undefined;
  if (e && Math.abs(now - e.fetchedAt) < FRESH_MS) return e.keys;
  if (e && Math.abs(now - refreshingSince) < UNKNOWN_KID_REFETCH_MS) return e.keys;
  refreshingSince = now;
  try {
    return (await load({ ...src, kv })).keys;
  } catch (error) {
    if (!e) throw error;
    logger.error("signing keys: refresh failed; keeping the cached set", { error });
    return e.keys;
  }
}

/**
 * After a token named a kid the cached set lacks: reads KV again unless this isolate already did so for an
 * unknown kid in the last UNKNOWN_KID_REFETCH_MS (a flood of forged kids costs one read per window, not one per
 * request). Requests that arrive while that read is under way are refused rather than made to wait on another
 * request's I/O; those after it find the new kid in the refreshed set. Null when there is nothing newer to try.
 */
export async function refreshForUnknownKid(src: KeySource): Promise<SigningKeys | null> {
  const kv = src.kv;
  if (!kv) return null;
  const now = src.now();
  if (Math.abs(now - lastForcedAt) < UNKNOWN_KID_REFETCH_MS) return null;
  lastForcedAt = now;
  const before = entry;
  const next = await load({ ...src, kv });
  return next.raw === before?.raw ? null : next.keys;
}

async function bootstrapKeys(config: Config): Promise<SigningKeys> {
  const result = await loadSigningKeys(config.JWT_SIGNING_KEYS);
  if (!result.ok) throw misconfigured(result.reason);
  return result.keys;
}

function misconfigured(reason: string): AuthError {
  return new AuthError("misconfigured", {
    detail: "The service is not configured correctly: JWT_SIGNING_KEYS.",
    extra: { variables: ["JWT_SIGNING_KEYS"] },
    internal: { reason },
  });
}

async function load(src: KeySource & { kv: KVNamespace }): Promise<Entry> {
  const fetchedAt = src.now();
  const raw = await src.kv.get(PUBLISHED_KEYS_KV_KEY, "text");
  const bootstrap = src.config.JWT_SIGNING_KEYS;
  const previous = entry;
  if (previous && previous.raw === raw && previous.bootstrap === bootstrap) {
    entry = { ...previous, fetchedAt };
    return entry;
  }
  const secret = raw === null ? bootstrap : await secretOf(src.config, raw);
  const result = await loadSigningKeys(secret);
  if (!result.ok)
    throw misconfigured(raw === null ? result.reason : `published signing keys: ${result.reason}`);
  entry = { bootstrap, raw, keys: result.keys, fetchedAt };
  return entry;
}

/** Turns the published record into the `{ current, keys }` form crypto/jwt.ts imports (the current key with `d`). */
async function secretOf(config: Config, raw: string): Promise<string> {
  let record: PublishedKeySet;
  try {
    record = JSON.parse(raw) as PublishedKeySet;
  } catch {
    return invalid("not JSON");
  }
  const current = Array.isArray(record.keys) ? record.keys.find((k) => k.state === "current") : undefined;
  if (!current?.sealed) return invalid("no current key");
  const opened = await open(current.sealed, config.ENCRYPTION_KEYS, sealContext(current.kid));
  if (!opened) return invalid("the current key cannot be opened with ENCRYPTION_KEYS");
  const privateJwk = JSON.parse(new TextDecoder().decode(opened)) as JWK;
  const keys = record.keys.map((k) =>
    k.kid === current.kid ? { ...privateJwk, kid: k.kid, alg: k.alg } : { ...k.jwk, kid: k.kid, alg: k.alg },
  );
  return JSON.stringify({ current: current.kid, keys });
}

function invalid(reason: string): never {
  logger.error("published signing keys unusable", { reason });
  throw new AuthError("misconfigured", {
    detail: "The service is not configured correctly: signing keys.",
    internal: { reason: `published signing keys: ${reason}` },
  });
}
