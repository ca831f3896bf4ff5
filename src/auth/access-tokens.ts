import { toHex } from "../crypto/encoding";
import { type SigningKeys, signJwt, type VerifyOptions, type VerifyResult, verifyJwt } from "../crypto/jwt";
import { activeSigningKeys, type KeySource, refreshForUnknownKid } from "../features/signing-keys/keyring";
import { ACR_PWD, type AccessClaims, type AccessContext } from "./principal";
import { isBindingClaim } from "./session-binding";

/**
 * Access tokens (RFC 9068, `at+jwt`): what every authenticated request carries, signed with the current signing
 * key and verified at the edge with no D1 access. Pre-auth tokens (features/login/pre-auth.ts) share the keys
 * but not the audience or `typ`. The key set is cached per isolate (features/signing-keys/keyring.ts): the
 * published set in KV, or the bootstrap secret `JWT_SIGNING_KEYS` before the first rotation.
 */
export function signingKeys(src: KeySource): Promise<SigningKeys> {
  return activeSigningKeys(src);
}

/** Verifies with the cached set; a kid it lacks makes it read the published set once more (rate-limited). */
export async function verifyWithActiveKeys(
  src: KeySource,
  token: string,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const result = await verifyJwt(await activeSigningKeys(src), token, options);
  if (result.ok || result.reason !== "unknown_key") return result;
  const newer = await refreshForUnknownKid(src);
  return newer ? verifyJwt(newer, token, options) : result;
}

export async function issueAccessToken(
  config: KeySource["config"],
  deps: { now: () => number; random: (n: number) => Uint8Array; kv?: KVNamespace },
  userId: string,
  claims: AccessClaims,
): Promise<{ token: string; expiresIn: number }> {
  const token = await signJwt(
    await signingKeys({ config, kv: deps.kv, now: deps.now }),
    { ...claims },
    {
      type: "access",
      issuer: config.PUBLIC_ORIGIN,
      audience: config.JWT_AUDIENCE,
      subject: userId,
      ttlSeconds: config.ACCESS_TOKEN_TTL,
      now: deps.now(),
      jti: toHex(deps.random(16)),
    },
  );
  return { token, expiresIn: config.ACCESS_TOKEN_TTL };
}

/** Verifies an access token; null for anything that is not a valid, current access token of this service. */
export async function verifyAccessToken(
  src: KeySource,
  token: string,
  now: number,
): Promise<(AccessContext & { kid: string }) | null> {
  const config = src.config;
  const result = await verifyWithActiveKeys(src, token, {
    type: "access",
    issuer: config.PUBLIC_ORIGIN,
    audience: config.JWT_AUDIENCE,
    now,
  });
  if (!result.ok) return null;
  const c = result.claims;
  if (
    typeof c.sid !== "string" ||
    !(typeof c.team === "string" || c.team === null) ||
    !(typeof c.role === "string" || c.role === null) ||
    !Array.isArray(c.permissions) ||
    !Array.isArray(c.platformRoles) ||
    !(c.sep === undefined || (typeof c.sep === "number" && Number.isSafeInteger(c.sep))) ||
    !(c.mst === undefined || c.mst === null || (typeof c.mst === "number" && Number.isSafeInteger(c.mst))) ||
    !(c.auth_time === undefined || (typeof c.auth_time === "number" && Number.isSafeInteger(c.auth_time))) ||
    !(c.amr === undefined || Array.isArray(c.amr)) ||
    !(c.bnd === undefined || (typeof c.bnd === "string" && isBindingClaim(c.bnd)))
  ) {
    return null;
  }
  return {
    userId: c.sub as string,
    kid: result.kid,
    jti: c.jti as string,
    expiresAt: (c.exp as number) * 1000,
    sid: c.sid,
    team: c.team,
    role: c.role,
    permissions: c.permissions.filter((p): p is string => typeof p === "string"),
    platformRoles: c.platformRoles.filter((p): p is string => typeof p === "string"),
    sep: typeof c.sep === "number" ? c.sep : 0,
    mst: typeof c.mst === "number" ? c.mst : null,
    // A token minted before these claims existed counts as an authentication of unknown age: it must step up.
    auth_time: typeof c.auth_time === "number" ? c.auth_time : 0,
    amr: Array.isArray(c.amr) ? c.amr.filter((m): m is string => typeof m === "string") : [],
    acr: typeof c.acr === "string" ? c.acr : ACR_PWD,
    ...(typeof c.bnd === "string" ? { bnd: c.bnd } : {}),
  };
}
