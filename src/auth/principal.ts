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
