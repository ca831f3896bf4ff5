/**
 * Who is calling: the principal a request authenticated as, by an access token (bearer or cookie) or a team API
 * key. The domain takes this type, never the HTTP layer's context, so services do not depend on Hono.
 */

/** What an access token asserts about its session besides the registered claims (RFC 9068 §2.2). */
export interface AccessClaims {
  sid: string;
  team: string | null;
  role: string | null;
  permissions: string[];
  platformRoles: string[];
  /** The session's access epoch (sessions.access_epoch): a team switch retires the tokens of the old epoch. */
  sep: number;
  /**
   * The membership's access stamp (memberships.access_stamp) for a team token, else null: removing the member,
   * changing their role or withdrawing a permission of it retires every token with an older stamp.
   */
  mst: number | null;
  /** When the user last authenticated in this session, seconds (RFC 9470 `auth_time`): the login or a step-up. */
  auth_time: number;
  /** The methods of that authentication (RFC 8176): `pwd`, plus `otp` and `mfa` after a second factor. */
  amr: string[];
  /** The assurance level (RFC 9470 `acr`): ACR_MFA after a second factor, else ACR_PWD. */
  acr: string;
  /**
   * The session's binding, hashed (auth/session-binding.ts `bindingClaim`): the edge checks the client against it
   * with no storage read. Absent from tokens of sessions that recorded no binding (and those minted before it).
   */
  bnd?: string;
}

/** Authentication context class references (../shared/API.md "Risk, session binding and step-up"). */
export const ACR_PWD = "urn:gatehouse:acr:pwd";
export const ACR_MFA = "urn:gatehouse:acr:mfa";

/** The `acr` of an authentication by these methods: two factors → ACR_MFA. */
export function acrOf(amr: readonly string[]): string {
  return amr.includes("mfa") ? ACR_MFA : ACR_PWD;
}

export interface AccessContext extends AccessClaims {
  userId: string;
  jti: string;
  expiresAt: number;
}

export interface Principal extends AccessContext {
  /**
   * How the request authenticated: cookie-authenticated unsafe requests must pass the CSRF check; `api_key`
   * requests carry a team API key (then `userId` is the key's creator, `sid` is `apikey:<id>`, `role` is null).
   */
  via: "bearer" | "cookie" | "api_key";
  /** The API key's id for `via: "api_key"`, else null. */
  apiKeyId: string | null;
}
