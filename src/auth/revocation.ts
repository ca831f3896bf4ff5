/**
 * Revocation at the edge. Access tokens are verified without D1; what makes logout, session deletion,
 * password reset and admin actions take effect at once is one KV record per revoked session, read once
 * per authenticated request. The record outlives every access token of the session (their lifetime plus
 * the verifier's clock tolerance), so it can expire by itself. KV TTLs must be ≥ 60 s (computed from one
 * clock reading, then clamped).
 */
const REVOCATION_PREFIX = "revoked:sid:";
const CLOCK_TOLERANCE_SECONDS = 120;

/** Sessions this isolate revoked itself, so its own next request sees the revocation even before KV does. */
const locallyRevoked = new Map<string, number>();

interface RevocationDeps {
  kv: KVNamespace;
  now: () => number;
  accessTokenTtl: number;
}

function revocationTtl(accessTokenTtl: number): number {
  return Math.max(60, Math.ceil(accessTokenTtl + CLOCK_TOLERANCE_SECONDS + 60));
}

export async function revokeAtEdge(
  deps: RevocationDeps,
  sessionIds: readonly string[],
  reason: string,
): Promise<void> {
  const ttl = revocationTtl(deps.accessTokenTtl);
  const now = deps.now();
  await Promise.all(
    sessionIds.map((sid) => {
      locallyRevoked.set(sid, now + ttl * 1000);
      return deps.kv.put(`${REVOCATION_PREFIX}${sid}`, JSON.stringify({ at: now, reason }), {
        expirationTtl: ttl,
      });
    }),
  );
  if (locallyRevoked.size > 10_000) {
    for (const [sid, until] of locallyRevoked) if (until < now) locallyRevoked.delete(sid);
  }
}

/** One KV read (none when this isolate revoked the session itself). */
export async function isRevokedAtEdge(kv: KVNamespace, sessionId: string, now: number): Promise<boolean> {
  const local = locallyRevoked.get(sessionId);
  if (local !== undefined && local > now) return true;
  return (await kv.get(`${REVOCATION_PREFIX}${sessionId}`)) !== null;
}
