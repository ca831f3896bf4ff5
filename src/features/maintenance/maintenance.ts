import { reseal } from "../../crypto/secretbox";
import { expiredUnverifiedUserIds, purgeUnverifiedUserStatements } from "../../db/users";
import { auditStatement } from "../../platform/audit";
import type { ServiceDeps } from "../../platform/context";
import { logger } from "../../platform/logger";
import { mfaSecretsNotUnderKey, resealUserMfaSecret } from "../mfa/store";

/**
 * Removes unverified registrations whose every verification link has expired (the address and the team slug
 * become free again). Runs daily; a new registration of the same address also does it on the spot.
 */
export async function purgeExpiredRegistrations(s: ServiceDeps, batchSize = 100): Promise<number> {
  const ids = await expiredUnverifiedUserIds(s.db, s.now(), batchSize);
  for (const id of ids) {
    await s.db.batch([
      ...purgeUnverifiedUserStatements(s.db, id),
      auditStatement(
        s,
        { ip: null, userAgent: null },
        {
          action: "user.registration_expired",
          target: { type: "user", id },
          metadata: { by: "maintenance" },
        },
      ),
    ]);
  }
  return ids.length;
}

/**
 * After an `ENCRYPTION_KEYS` rotation (new key first), moves TOTP secrets to the current key, a batch at a
 * time; values already under it are left alone. Returns how many were re-encrypted.
 */
export async function reencryptMfaSecrets(s: ServiceDeps, batchSize = 100): Promise<number> {
  const current = s.config.ENCRYPTION_KEYS[0];
  if (!current) return 0;
  const rows = await mfaSecretsNotUnderKey(s.db, current.id, batchSize);
  let moved = 0;
  for (const row of rows) {
    const resealed = await reseal(row.secret, s.config.ENCRYPTION_KEYS, `totp:${row.userId}`, s.random);
    if (!resealed) {
      logger.error("TOTP secret cannot be opened with any configured key", { userId: row.userId });
      continue;
    }
    await resealUserMfaSecret(s.db, row.userId, resealed);
    moved += 1;
  }
  return moved;
}
