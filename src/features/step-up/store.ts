import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { refreshTokens } from "../../db/tables";

/**
 * A step-up answers a new refresh token for the same session (its family): the session's unused refresh tokens
 * are retired first, as a team switch does, so one refresh token at a time stays live in the family.
 */
export function retireUnusedRefreshTokens(db: Db, sessionId: string) {
  return db
    .delete(refreshTokens)
    .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.usedAt)));
}
