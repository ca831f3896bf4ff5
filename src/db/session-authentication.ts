import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "./client";
import { sessions, userMfa, users } from "./tables";

/**
 * What the step-up guard (auth/step-up.ts) needs to know about the caller's session, in one indexed read: the
 * session's last authentication (when, how), its login risk, whether it is still live, and whether its user has a
 * second factor. Sensitive routes read this from D1 (not only the edge record in KV, which lags a revocation by
 * up to a minute), so a revoked session can never change credentials, roles, keys, ownership or money.
 */
export interface SessionAuthenticationRow {
  userId: string;
  teamId: string | null;
  accessEpoch: number;
  rememberMe: boolean;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  authTime: number;
  amr: string;
  riskScore: number;
  /** The client the session is bound to (auth/session-binding.ts): a token minted for it carries the binding. */
  uaFamily: string | null;
  netPrefix: string | null;
  asn: number | null;
  country: string | null;
  hasMfa: boolean;
  userDisabled: boolean;
}

export async function sessionAuthenticationOf(
  db: Db,
  sessionId: string,
): Promise<SessionAuthenticationRow | undefined> {
  const row = await db
    .select({
      userId: sessions.userId,
      teamId: sessions.teamId,
      accessEpoch: sessions.accessEpoch,
      rememberMe: sessions.rememberMe,
      createdAt: sessions.createdAt,
      expiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      authTime: sessions.authTime,
      amr: sessions.amr,
      riskScore: sessions.riskScore,
      uaFamily: sessions.uaFamily,
      netPrefix: sessions.netPrefix,
      asn: sessions.asn,
      country: sessions.country,
      mfaSince: userMfa.enabledAt,
      disabledAt: users.disabledAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(userMfa, eq(userMfa.userId, sessions.userId))
    .where(eq(sessions.id, sessionId))
    .get();
  if (!row) return undefined;
  const { mfaSince, disabledAt, ...rest } = row;
  return { ...rest, hasMfa: mfaSince !== null, userDisabled: disabledAt !== null };
}

/**
 * Records a fresh authentication in a live session (a step-up, or the code that turned 2FA on): `auth_time` now
 * and `methods` added to the session's amr (RFC 8176 values; the union is computed in SQL so the statement fits a
 * commit() batch). Matches nothing once the session is revoked or expired; answers the session's new amr.
 */
export function recordSessionAuthentication(
  db: Db,
  input: { sessionId: string; userId: string; at: number; methods: readonly string[] },
) {
  let amr = sql`${sessions.amr}`;
  for (const m of input.methods) {
    if (!/^[a-z]{2,8}$/.test(m)) throw new TypeError(`not an RFC 8176 method: ${m}`);
    amr = sql`(CASE WHEN (',' || ${amr} || ',') LIKE ${`%,${m},%`} THEN ${amr} WHEN ${amr} = '' THEN ${m} ELSE ${amr} || ',' || ${m} END)`;
  }
  return db
    .update(sessions)
    .set({ authTime: input.at, amr })
    .where(
      and(
        eq(sessions.id, input.sessionId),
        eq(sessions.userId, input.userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, input.at),
      ),
    )
    .returning({ amr: sessions.amr, authTime: sessions.authTime });
}
