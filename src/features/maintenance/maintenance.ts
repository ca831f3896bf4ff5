import { reseal } from "../../crypto/secretbox";
import { expiredUnverifiedUserIds, purgeUnverifiedUserStatements } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { mfaSecretsNotUnderKey, resealUserMfaSecret } from "../mfa/store";

/**
 * Removes unverified registrations whose every verification link has expired (the address and the team slug
 * become free again). Runs daily; a new registration of the same address also does it on the spot.
 */
export async function purgeExpiredRegistrations(ctx: RequestContext, batchSize = 100): Promise<number> {
  const ids = await expiredUnverifiedUserIds(ctx.db, ctx.now(), batchSize);
  for (const id of ids) {
    await commit(ctx, {
      writes: purgeUnverifiedUserStatements(ctx.db, id),
      audit: {
        action: "user.registration_expired",
        target: { type: "user", id },
        metadata: { by: "maintenance" },
      },
    });
  }
  return ids.length;
}

/**
 * After an `ENCRYPTION_KEYS` rotation (new key first), moves TOTP secrets to the current key, a batch at a
 * time; values already under it are left alone. Returns how many were re-encrypted.
 */
export async function reencryptMfaSecrets(ctx: RequestContext, batchSize = 100): Promise<number> {
  const current = ctx.config.ENCRYPTION_KEYS[0];
  if (!current) return 0;
  const rows = await mfaSecretsNotUnderKey(ctx.db, current.id, batchSize);
  let moved = 0;
  for (const row of rows) {
    const resealed = await reseal(row.secret, ctx.config.ENCRYPTION_KEYS, `totp:${row.userId}`, ctx.random);
    if (!resealed) {
      logger.error("TOTP secret cannot be opened with any configured key", { userId: row.userId });
      continue;
    }
    await resealUserMfaSecret(ctx.db, row.userId, resealed);
    moved += 1;
  }
  return moved;
}
