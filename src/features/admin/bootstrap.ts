import { hashPassword } from "../../crypto/password";
import { checkPasswordPolicy } from "../../crypto/password-policy";
import { isUniqueViolation } from "../../db/client";
import { findUserByEmail, grantPlatformRole, insertUser } from "../../db/users";
import { auditStatement } from "../../platform/audit";
import { argon2Params, type ServiceDeps } from "../../platform/context";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { newId } from "../../platform/ids";
import { logger, maskEmail } from "../../platform/logger";

export type BootstrapOutcome = "created" | "exists" | "skipped";

/**
 * Creates the platform admin named by the `ADMIN_EMAIL`/`ADMIN_PASSWORD` secrets: verified, with the
 * `admin` platform role and `passwordMustChange` (the first login must replace the bootstrap password).
 * Idempotent: an existing account keeps its password and only gains the role if it lacks it.
 */
export async function bootstrapAdmin(s: ServiceDeps): Promise<BootstrapOutcome> {
  const { ADMIN_EMAIL, ADMIN_PASSWORD } = s.config;
  if (!ADMIN_EMAIL || !ADMIN_PASSWORD) return "skipped";
  const email = normalizeEmail(ADMIN_EMAIL);
  if (!isValidEmail(email)) {
    logger.error("ADMIN_EMAIL is not a valid address; no admin bootstrapped");
    return "skipped";
  }
  const now = s.now();
  const existing = await findUserByEmail(s.db, email);
  if (existing) {
    await grantPlatformRole(s.db, existing.id, "admin", now);
    return "exists";
  }
  // The bootstrap password is replaced at first login; the length rules still apply to it.
  const policy = checkPasswordPolicy(ADMIN_PASSWORD);
  if (!policy.ok && (policy.reason === "too_short" || policy.reason === "too_long")) {
    logger.error("ADMIN_PASSWORD does not meet the length policy; no admin bootstrapped", {
      reason: policy.reason,
    });
    return "skipped";
  }
  const id = newId(s.random);
  try {
    await s.db.batch([
      insertUser(s.db, {
        id,
        email,
        name: "Administrator",
        passwordHash: hashPassword(ADMIN_PASSWORD.normalize("NFKC"), argon2Params(s.config), s.random),
        emailVerifiedAt: now,
        passwordMustChange: true,
        createdAt: now,
        updatedAt: now,
      }),
      grantPlatformRole(s.db, id, "admin", now),
      auditStatement(
        s,
        { ip: null, userAgent: null },
        { action: "admin.bootstrapped", target: { type: "user", id } },
      ),
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "users.email")) return "exists"; // another isolate won the race
    throw error;
  }
  logger.info("bootstrap admin created", { email: maskEmail(email) });
  return "created";
}
