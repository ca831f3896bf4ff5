import { expiredUnverifiedUserIds, purgeUnverifiedUserStatements } from "../db/users";
import { auditStatement } from "./audit";
import type { ServiceDeps } from "./context";

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
