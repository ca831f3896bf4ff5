/**
 * Access and pre-auth tokens: JWS-signed JWTs (RFC 7515, RFC 7519) under the key set in the secret
 * `JWT_SIGNING_KEYS`, profiled per the JWT BCP (RFC 8725) and the access-token profile (RFC 9068).
 * Signing and verification are jose's; this module decides which keys, algorithms, headers and claims are
 * acceptable, and turns every failure into a tagged result.
 */
import {
  type CryptoKey,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";

/** JWS algorithms a configured key may use (RFC 7518 §3.4; RFC 8037 §3.1). "Ed25519" is the fully specified name. */
type SigningAlgorithm = "ES256" | "EdDSA" | "Ed25519";

/** Only asymmetric JWKs are ever imported, so jose's importJWK yields a CryptoKey (never raw bytes). */
type AsymmetricJwk = JWK & { kty: "EC" | "OKP" };

/** A configured JWK after validation, reduced to the members its algorithm needs. */
interface CheckedJwk {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: AsymmetricJwk;
  privateJwk: AsymmetricJwk | null;
}

/** One configured key as used to verify (and to publish in the JWKS). */
interface KeyEntry {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: CryptoKey;
  readonly publicJwk: Readonly<JWK>;
}

/**
 * The parsed secret `JWT_SIGNING_KEYS`, JSON `{"current": "<kid>", "keys": [<JWK>, ...]}` (RFC 7517). The
 * current key signs; every key in the set verifies, so a rotated-out key keeps its tokens valid until it is
 * removed from the secret (RFC 8725 §3.1 — the key, not the token, picks the algorithm).
 */
export interface SigningKeys {
  readonly currentKid: string;
  /** @internal The private key of the current key. */
  readonly signingKey: CryptoKey;
  /** @internal Verification keys by kid, the current one first. */
  readonly byKid: ReadonlyMap<string, KeyEntry>;
}

export type SigningKeysResult = { ok: true; keys: SigningKeys } | { ok: false; reason: string };

/** Explicit typing (RFC 8725 §3.11): each kind of token has its own `typ`, so one cannot stand in for another. */
export const TOKEN_TYPES = { access: "at+jwt", preAuth: "gh-preauth+jwt" } as const;
export type TokenType = keyof typeof TOKEN_TYPES;

export interface SignOptions {
  type: TokenType;
  issuer: string;
  audience: string;
  subject: string;
  ttlSeconds: number;
  /** Epoch milliseconds. */
  now: number;
  jti: string;
}

export interface VerifyOptions {
  type: TokenType;
  issuer: string;
  audience: string;
  /** Epoch milliseconds. */
  now: number;
  /** Allowed clock skew for exp, nbf and iat; default and maximum 120 seconds. */
  clockToleranceSeconds?: number;
}

export type VerifyFailureReason =
  | "malformed"
  | "algorithm"
  | "unknown_key"
  | "signature"
  | "expired"
  | "not_yet_valid"
  | "issuer"
  | "audience"
  | "type"
  | "claims";

export type VerifyResult =
  | { ok: true; claims: JWTPayload & Record<string, unknown>; kid: string }
  | { ok: false; reason: VerifyFailureReason };

/** Tokens are headers; anything larger is refused before any decoding work. */
const MAX_TOKEN_LENGTH = 8192;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 120;
const MAX_CLOCK_TOLERANCE_SECONDS = 120;
/** RFC 9068 §2.2 requires these in an access token; pre-auth tokens follow the same shape. */
const REQUIRED_CLAIMS = ["sub", "jti", "exp", "iat"];
/**
 * Header parameters that let a token name its own key or processing rules (RFC 8725 §3.10, RFC 7515
 * §4.1.2–4.1.6, §4.1.11; "b64" is RFC 7797). Keys come only from the configured set, so a token carrying any
 * of these is refused as "algorithm" rather than silently ignored.
 */
const FORBIDDEN_HEADERS = ["jku", "jwk", "x5u", "x5c", "crit", "b64"] as const;
/** Three base64url segments; the signature may be empty so that `alg: none` is reported as "algorithm". */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A new secret value replaces the old one; the bound only stops a misbehaving caller growing the cache. */
const MAX_CACHED_SECRETS = 4;

const loaded = new Map<string, Promise<SigningKeysResult>>();

/**
 * Parses and imports `JWT_SIGNING_KEYS` once per secret value (the promise is memoised, so concurrent first
 * requests share one import). Accepts ES256 (EC P-256) and EdDSA/Ed25519 (OKP Ed25519) keys; the current key
 * must include its private part, previous keys may be public only. Symmetric keys are refused (RFC 8725
 * §3.2: a verifier must not be able to mint tokens). Reasons never quote the secret.
 */
export function loadSigningKeys(secret: string): Promise<SigningKeysResult> {
  let result = loaded.get(secret);
  if (!result) {
    if (loaded.size >= MAX_CACHED_SECRETS) loaded.clear();
    result = parseSigningKeys(secret);
    loaded.set(secret, result);
  }
  return result;
}

async function parseSigningKeys(secret: string): Promise<SigningKeysResult> {
  const fail = (reason: string): SigningKeysResult => ({ ok: false, reason });
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    return fail("JWT_SIGNING_KEYS is not valid JSON");
  }
  if (!isRecord(parsed)) return fail("JWT_SIGNING_KEYS must be a JSON object");
  const { current, keys } = parsed;
  if (typeof current !== "string" || current === "") return fail('"current" must be a non-empty kid');
  if (!Array.isArray(keys) || keys.length === 0) return fail('"keys" must be a non-empty array of JWKs');

  const checked: CheckedJwk[] = [];
  for (const [index, jwk] of keys.entries()) {
    if (!isRecord(jwk)) return fail(`keys[${index}] is not a JWK object`);
    const { kid } = jwk;
    if (typeof kid !== "string" || kid === "") return fail(`keys[${index}] has no "kid"`);
    if (checked.some((other) => other.kid === kid)) return fail(`duplicate kid "${kid}"`);
    const result = checkJwk(kid, jwk);
    if (typeof result === "string") return fail(`key "${kid}": ${result}`);
    checked.push(result);
  }
  const currentJwk = checked.find((jwk) => jwk.kid === current);
  if (!currentJwk) return fail(`current kid "${current}" is not in "keys"`);
  if (!currentJwk.privateJwk) return fail(`current key "${current}" has no private part ("d")`);

  // Current key first, so the published JWKS lists it first.
  const byKid = new Map<string, KeyEntry>();
  let signingKey: CryptoKey | undefined;
  for (const { kid, alg, publicJwk, privateJwk } of [
    currentJwk,
    ...checked.filter((jwk) => jwk !== currentJwk),
  ]) {
    try {
      const publicKey = await importJWK(publicJwk, alg);
      if (kid === current && privateJwk) {
        signingKey = await importJWK(privateJwk, alg, { extractable: false });
        if (!(await isKeyPair(signingKey, publicKey, alg))) {
          return fail(`current key "${kid}": private and public parts do not match`);
        }
      }
      byKid.set(kid, {
        kid,
        alg,
        publicKey,
        publicJwk: Object.freeze({ ...publicJwk, kid, alg, use: "sig" }),
      });
    } catch {
      return fail(`key "${kid}" could not be imported`);
    }
  }
  if (!signingKey) return fail(`current key "${current}" could not be imported`);
  return { ok: true, keys: { currentKid: current, signingKey, byKid } };
}

/** Validates one JWK and keeps only the members the algorithm needs (drops key_ops, ext and anything else). */
function checkJwk(kid: string, jwk: Record<string, unknown>): CheckedJwk | string {
  const { kty, alg, crv, x, y, d, use } = jwk;
  if (kty === "oct") return 'symmetric keys (kty "oct") are not allowed';
  if (use !== undefined && use !== "sig") return '"use" must be "sig"';
  if (d !== undefined && typeof d !== "string") return '"d" must be a string';
  let publicJwk: AsymmetricJwk;
  if (alg === "ES256") {
    if (kty !== "EC" || crv !== "P-256") return 'ES256 needs kty "EC" and crv "P-256"';
    if (typeof x !== "string" || typeof y !== "string") return 'ES256 needs "x" and "y"';
    publicJwk = { kty, crv, x, y };
  } else if (alg === "EdDSA" || alg === "Ed25519") {
    if (kty !== "OKP" || crv !== "Ed25519") return `${alg} needs kty "OKP" and crv "Ed25519"`;
    if (typeof x !== "string") return `${alg} needs "x"`;
    publicJwk = { kty, crv, x };
  } else {
    return `unsupported alg ${typeof alg === "string" ? `"${alg}"` : "(missing)"}; use ES256 or EdDSA`;
  }
  return { kid, alg, publicJwk, privateJwk: typeof d === "string" ? { ...publicJwk, d } : null };
}

/** Catches a configured key whose "d" does not belong to its "x"/"y" before it signs tokens nobody can verify. */
async function isKeyPair(
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  alg: SigningAlgorithm,
): Promise<boolean> {
  const params = alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  const probe = new TextEncoder().encode("gatehouse key check");
  const signature = await crypto.subtle.sign(params, privateKey, probe);
  return crypto.subtle.verify(params, publicKey, signature, probe);
}

/**
 * The JWK Set served at `/.well-known/jwks.json` (RFC 7517 §5): the public members of every configured key,
 * current first, each with kid, alg and `use: "sig"`. Private members are never copied (RFC 7517 §9.2).
 */
export function publicJwks(keys: SigningKeys): { keys: JWK[] } {
  return { keys: [...keys.byKid.values()].map((entry) => ({ ...entry.publicJwk })) };
}

/**
 * Signs a JWT with the current key. Header `{ alg, kid, typ }` (RFC 7515 §4.1, RFC 8725 §3.11, RFC 9068 §2.1);
 * `iss`, `aud`, `sub`, `jti`, `iat` and `exp` (RFC 7519 §4.1, seconds) are set from the options and override
 * same-named entries in `claims`. Throws TypeError on misuse (bad ttl, clock or empty identifiers).
 */
export async function signJwt(
  keys: SigningKeys,
  claims: Record<string, unknown>,
  options: SignOptions,
): Promise<string> {
  const { type, issuer, audience, subject, ttlSeconds, now, jti } = options;
  if (!Object.hasOwn(TOKEN_TYPES, type)) throw new TypeError(`unknown token type ${String(type)}`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new TypeError("ttlSeconds must be a positive integer");
  if (!Number.isFinite(now)) throw new TypeError("now must be epoch milliseconds");
  for (const [name, value] of [
    ["issuer", issuer],
    ["audience", audience],
    ["subject", subject],
    ["jti", jti],
  ] as const) {
    if (typeof value !== "string" || value === "") throw new TypeError(`${name} must be a non-empty string`);
  }
  const current = keys.byKid.get(keys.currentKid);
  if (!current) throw new TypeError("the current key is missing from the key set");
  const iat = Math.floor(now / 1000);
  return new SignJWT({ ...claims, iss: issuer, aud: audience, sub: subject, jti, iat, exp: iat + ttlSeconds })
    .setProtectedHeader({ alg: current.alg, kid: current.kid, typ: TOKEN_TYPES[type] })
    .sign(keys.signingKey);
}

/**
 * Verifies a compact JWS JWT (RFC 7515 §5.2, RFC 7519 §7.2) with the checks of RFC 8725 §3 and RFC 9068 §4.
 * Never throws. In order:
 * - more than 8 KB, not three base64url segments, or a header that is not a JSON object → "malformed";
 * - `alg` not one of the configured keys' algorithms (so never `none` or HS*), or a header that brings its
 *   own key or processing rules (`jku`, `jwk`, `x5u`, `x5c`, `crit`, `b64`) → "algorithm";
 * - `kid` missing or not in the configured set → "unknown_key" (it is only ever a map lookup, never a path or
 *   a query); `alg` different from that key's `alg` → "algorithm";
 * - bad signature → "signature"; payload not a JSON object → "malformed";
 * - `typ` not exactly the expected type (RFC 8725 §3.11; compared case-insensitively, "application/" prefix
 *   optional, per RFC 7515 §4.1.9) → "type"; wrong `iss` → "issuer"; `aud` not containing the audience →
 *   "audience";
 * - `exp` passed by more than the tolerance → "expired"; `nbf` or `iat` later than now + tolerance →
 *   "not_yet_valid"; `sub`, `jti`, `exp` or `iat` missing or mistyped → "claims". A non-finite `now` fails
 *   closed as "claims".
 */
export async function verifyJwt(
  keys: SigningKeys,
  token: string,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const fail = (reason: VerifyFailureReason): VerifyResult => ({ ok: false, reason });
  try {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      return fail("malformed");
    }
    const { type, issuer, audience, now } = options;
    if (!Object.hasOwn(TOKEN_TYPES, type)) return fail("type");
    if (typeof issuer !== "string" || issuer === "") return fail("issuer");
    if (typeof audience !== "string" || audience === "") return fail("audience");
    if (!Number.isFinite(now)) return fail("claims");
    const tolerance = clockTolerance(options.clockToleranceSeconds);

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return fail("malformed");
    }
    const { alg, kid } = header;
    if (typeof alg !== "string" || !isConfiguredAlgorithm(keys, alg)) return fail("algorithm");
    if (FORBIDDEN_HEADERS.some((name) => Object.hasOwn(header, name))) return fail("algorithm");
    const entry = typeof kid === "string" ? keys.byKid.get(kid) : undefined;
    if (!entry) return fail("unknown_key");
    if (alg !== entry.alg) return fail("algorithm");

    const { payload } = await jwtVerify(token, entry.publicKey, {
      algorithms: [entry.alg],
      typ: TOKEN_TYPES[type],
      issuer,
      audience,
      currentDate: new Date(now),
      clockTolerance: tolerance,
      requiredClaims: REQUIRED_CLAIMS,
    });
    if (!isNonEmptyString(payload.sub) || !isNonEmptyString(payload.jti)) return fail("claims");
    // jose checks iat in the future only together with maxTokenAge; the lifetime is already bounded by exp.
    if (typeof payload.iat !== "number" || typeof payload.exp !== "number") return fail("claims");
    if (payload.iat > Math.floor(now / 1000) + tolerance) return fail("not_yet_valid");
    return { ok: true, claims: payload as JWTPayload & Record<string, unknown>, kid: entry.kid };
  } catch (error) {
    return fail(reasonOf(error));
  }
}

function clockTolerance(seconds: number | undefined): number {
  if (seconds === undefined) return DEFAULT_CLOCK_TOLERANCE_SECONDS;
  // A nonsensical tolerance fails towards strictness rather than towards accepting stale tokens.
  if (!Number.isFinite(seconds) || seconds < 0) return 0;
  return Math.min(Math.floor(seconds), MAX_CLOCK_TOLERANCE_SECONDS);
}

function isConfiguredAlgorithm(keys: SigningKeys, alg: string): boolean {
  for (const entry of keys.byKid.values()) if (entry.alg === alg) return true;
  return false;
}

/** Maps jose's error codes (jose/dist/types/util/errors.d.ts) to reasons; anything unexpected is "malformed". */
function reasonOf(error: unknown): VerifyFailureReason {
  const code = isRecord(error) ? error.code : undefined;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "signature";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "algorithm";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const { claim, reason } = error as { claim?: unknown; reason?: unknown };
      if (claim === "typ") return "type";
      if (claim === "iss") return "issuer";
      if (claim === "aud") return "audience";
      if ((claim === "nbf" || claim === "iat") && reason === "check_failed") return "not_yet_valid";
      return "claims";
    }
    default:
      return "malformed";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
