import { toHex } from "../crypto/encoding";
import { loadSigningKeys, type SigningKeys, signJwt, verifyJwt } from "../crypto/jwt";
import type { Config } from "../platform/config";
import { AuthError } from "../platform/errors";
import type { AccessClaims, AccessContext } from "./principal";

/**
 * Access tokens (RFC 9068, `at+jwt`): what every authenticated request carries, signed with the configured key
 * set and verified at the edge with no D1 access. Pre-auth tokens (features/login/pre-auth.ts) share the keys
 * but not the audience or `typ`.
 */
export async function signingKeys(config: Config): Promise<SigningKeys> {
  const result = await loadSigningKeys(config.JWT_SIGNING_KEYS);
  if (!result.ok) {
    throw new AuthError("misconfigured", {
      detail: "The service is not configured correctly: JWT_SIGNING_KEYS.",
      extra: { variables: ["JWT_SIGNING_KEYS"] },
      internal: { reason: result.reason },
    });
  }
  return result.keys;
}

export async function issueAccessToken(
  config: Config,
  deps: { now: () => number; random: (n: number) => Uint8Array },
  userId: string,
  claims: AccessClaims,
): Promise<{ token: string; expiresIn: number }> {
  const token = await signJwt(
    await signingKeys(config),
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
  config: Config,
  token: string,
  now: number,
): Promise<AccessContext | null> {
  const result = await verifyJwt(await signingKeys(config), token, {
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
    !(c.mst === undefined || c.mst === null || (typeof c.mst === "number" && Number.isSafeInteger(c.mst)))
  ) {
    return null;
  }
  return {
    userId: c.sub as string,
    jti: c.jti as string,
    expiresAt: (c.exp as number) * 1000,
    sid: c.sid,
    team: c.team,
    role: c.role,
    permissions: c.permissions.filter((p): p is string => typeof p === "string"),
    platformRoles: c.platformRoles.filter((p): p is string => typeof p === "string"),
    sep: typeof c.sep === "number" ? c.sep : 0,
    mst: typeof c.mst === "number" ? c.mst : null,
  };
}
