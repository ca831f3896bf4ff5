import { hashToken } from "../crypto/tokens";
import { apiKeyForAuth, recordApiKeyUse } from "../db/api-keys";
import type { RequestContext } from "../platform/context";
import { logger } from "../platform/logger";
import type { Principal } from "./principal";

/** Team API keys: `gh_` + 192 random bits in base64url (32 characters), shown once, stored as SHA-256. */
export const API_KEY_PREFIX = "gh_";
const API_KEY_PATTERN = /^gh_[A-Za-z0-9_-]{22,86}$/;

export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/**
 * The principal of an API-key request, or null for a malformed, unknown, revoked or expired key (all alike:
 * 401). The key acts for its team with exactly its own permissions, never with platform roles.
 */
export async function authenticateApiKey(
  ctx: Pick<RequestContext, "db" | "now" | "waitUntil">,
  key: string,
): Promise<Principal | null> {
  if (!API_KEY_PATTERN.test(key)) return null;
  const now = ctx.now();
  const row = await apiKeyForAuth(ctx.db, await hashToken(key));
  if (!row) return null;
  if (row.expiresAt !== null && row.expiresAt <= now) return null;
  ctx.waitUntil(
    recordApiKeyUse(ctx.db, row.id, now).catch((error) =>
      logger.error("API key usage write failed", { keyId: row.id, error }),
    ),
  );
  return {
    userId: row.createdBy,
    jti: "",
    expiresAt: row.expiresAt ?? Number.MAX_SAFE_INTEGER,
    sid: `apikey:${row.id}`,
    team: row.teamId,
    role: null,
    permissions: JSON.parse(row.permissions) as string[],
    platformRoles: [],
    sep: 0,
    mst: null,
    // A key is no user's authentication: it can never pass a freshness check (auth/step-up.ts).
    auth_time: 0,
    amr: [],
    acr: "",
    via: "api_key",
    apiKeyId: row.id,
  };
}
