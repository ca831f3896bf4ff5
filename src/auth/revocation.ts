/**
 * Revocation at the edge. Access tokens are verified without D1; what makes logout, session deletion, password
 * reset, a team switch and a member's removal or role change take effect at once is a KV record read with each
 * authenticated request. Two kinds:
 *
 * - **session epoch** `revoked:sid:<sid>:<epoch>` — the tokens a session minted in one access epoch. Ending a
 *   session writes the record of its current epoch; switching team moves the session to a new epoch and writes
 *   the record of the old one, so the token of the replaced team dies while the new one lives.
 * - **membership cut-off** `revoked:member:<teamId>:<userId>` = `{ before }` — every token of that member for
 *   that team whose membership stamp (`mst`, memberships.access_stamp when minted) is older than `before`,
 *   whichever session minted it and whichever team the session is in now. Written when a member is removed,
 *   their role changes or a permission of their role is withdrawn.
 *
 * - **signing key** `revoked:kid:<kid>` — every token signed with a key an admin revoked
 *   (features/signing-keys). Read in the same bulk get, so it costs no extra round trip.
 *
 * Records outlive every token they concern (the access-token lifetime plus the verifier's clock tolerance), so
 * they expire by themselves. KV TTLs must be ≥ 60 s (computed from one clock reading, then clamped). KV is
 * eventually consistent across locations (about a minute); this isolate sees its own revocations at once.
 */
const SESSION_PREFIX = "revoked:sid:";
const MEMBER_PREFIX = "revoked:member:";
const KID_PREFIX = "revoked:kid:";
const CLOCK_TOLERANCE_SECONDS = 120;

/** Revocations this isolate wrote itself (key → until, or the member cut-off), seen before KV has them. */
const locallyRevoked = new Map<string, { until: number; before?: number }>();

interface RevocationDeps {
  kv: KVNamespace;
  now: () => number;
  accessTokenTtl: number;
}

/** A session's tokens of one access epoch. */
export interface SessionEpoch {
  id: string;
  accessEpoch: number;
}

function revocationTtl(accessTokenTtl: number): number {
  return Math.max(60, Math.ceil(accessTokenTtl + CLOCK_TOLERANCE_SECONDS + 60));
}

const sessionKey = (sid: string, epoch: number) => `${SESSION_PREFIX}${sid}:${epoch}`;
const memberKey = (teamId: string, userId: string) => `${MEMBER_PREFIX}${teamId}:${userId}`;
const kidKey = (kid: string) => `${KID_PREFIX}${kid}`;

function remember(deps: RevocationDeps, key: string, value: { until: number; before?: number }) {
  locallyRevoked.set(key, value);
  if (locallyRevoked.size > 10_000) {
    const now = deps.now();
    for (const [k, v] of locallyRevoked) if (v.until < now) locallyRevoked.delete(k);
  }
}

/** Kills the tokens of each session's epoch (the session's current one when it ends, the old one on a switch). */
export async function revokeAtEdge(
  deps: RevocationDeps,
  sessions: readonly SessionEpoch[],
  reason: string,
): Promise<void> {
  const ttl = revocationTtl(deps.accessTokenTtl);
  const now = deps.now();
  await Promise.all(
    sessions.map((s) => {
      const key = sessionKey(s.id, s.accessEpoch);
      remember(deps, key, { until: now + ttl * 1000 });
      return deps.kv.put(key, JSON.stringify({ at: now, reason }), { expirationTtl: ttl });
    }),
  );
}

/** A member's cut-off: their tokens for the team with a membership stamp below `before` die. */
export interface MemberCut {
  userId: string;
  before: number;
}

/** Kills every token of these members for the team minted under a membership stamp older than their cut-off. */
export async function cutMemberTokensAtEdge(
  deps: RevocationDeps,
  change: { teamId: string; cuts: readonly MemberCut[]; reason: string },
): Promise<void> {
  const ttl = revocationTtl(deps.accessTokenTtl);
  const now = deps.now();
  await Promise.all(
    change.cuts.map(({ userId, before }) => {
      const key = memberKey(change.teamId, userId);
      remember(deps, key, { until: now + ttl * 1000, before });
      return deps.kv.put(key, JSON.stringify({ at: now, before, reason: change.reason }), {
        expirationTtl: ttl,
      });
    }),
  );
}

/**
 * Kills every token signed with these keys, at once in this isolate and within KV's propagation elsewhere. The
 * record lives as long as any token the key signed (`maxTokenTtl`: the longest token lifetime).
 */
export async function revokeKidsAtEdge(
  deps: { kv: KVNamespace; now: () => number; maxTokenTtl: number },
  kids: readonly string[],
  reason: string,
): Promise<void> {
  const ttl = revocationTtl(deps.maxTokenTtl);
  const now = deps.now();
  await Promise.all(
    kids.map((kid) => {
      const key = kidKey(kid);
      remember({ ...deps, accessTokenTtl: deps.maxTokenTtl }, key, { until: now + ttl * 1000 });
      return deps.kv.put(key, JSON.stringify({ at: now, reason }), { expirationTtl: ttl });
    }),
  );
}

/** What the edge check needs of an access token. */
export interface RevocableToken {
  userId: string;
  sid: string;
  /** The session's access epoch when the token was minted. */
  sep: number;
  team: string | null;
  /** The membership's access stamp when the token was minted (team tokens). */
  mst: number | null;
  /** The signing key's kid (tokens verified by crypto/jwt.ts carry it). */
  kid?: string;
}

function memberCutOff(raw: string | null): number | null {
  if (raw === null) return null;
  try {
    const before = (JSON.parse(raw) as { before?: unknown }).before;
    return typeof before === "number" ? before : Number.MAX_SAFE_INTEGER;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * Whether a token is revoked: one KV read — of its session epoch's record, its signing key's and, for a team
 * token, its membership's, in one bulk get (none for what this isolate revoked itself).
 */
export async function isRevokedAtEdge(kv: KVNamespace, token: RevocableToken, now: number): Promise<boolean> {
  const sKey = sessionKey(token.sid, token.sep);
  const local = locallyRevoked.get(sKey);
  if (local !== undefined && local.until > now) return true;
  const mKey = token.team === null ? null : memberKey(token.team, token.userId);
  const stamp = token.mst ?? 0;
  const localMember = mKey ? locallyRevoked.get(mKey) : undefined;
  if (localMember && localMember.until > now && stamp < (localMember.before ?? 0)) return true;
  const kKey = token.kid === undefined ? null : kidKey(token.kid);
  const localKid = kKey ? locallyRevoked.get(kKey) : undefined;
  if (localKid !== undefined && localKid.until > now) return true;
  const keys = [sKey, ...(kKey ? [kKey] : []), ...(mKey ? [mKey] : [])];
  if (keys.length === 1) return (await kv.get(sKey)) !== null;
  // Every record in one KV bulk read: one storage round trip per request, team token or not.
  const records = await kv.get(keys, "text");
  if ((records.get(sKey) ?? null) !== null) return true;
  if (kKey && (records.get(kKey) ?? null) !== null) return true;
  if (mKey === null) return false;
  const before = memberCutOff(records.get(mKey) ?? null);
  return before !== null && stamp < before;
}
