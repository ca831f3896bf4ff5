import { hashPassword } from "../../crypto/password";
import { checkPasswordPolicy } from "../../crypto/password-policy";
import { isUniqueViolation } from "../../db/client";
import { findUserByEmail, grantPlatformRole, insertUser } from "../../db/users";
import { argon2Params, type RequestContext } from "../../platform/context";
import { isValidEmail, normalizeEmail } from "../../platform/email-address";
import { newId } from "../../platform/ids";
import { logger, maskEmail } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { erasePendingRegistration } from "../registration/pending-registration";

export type BootstrapOutcome = "created" | "replaced" | "exists" | "skipped";

/**
 * Creates the platform admin named by the `ADMIN_EMAIL`/`ADMIN_PASSWORD` secrets: verified, with the
 * `admin` platform role and `passwordMustChange` (the first login must replace the bootstrap password).
 * Idempotent: an existing verified account keeps its password and only gains the role if it lacks it. An
 * existing *unverified* account is never promoted as it is — whoever registered the address first may not be
 * the operator (account pre-hijacking): that pending registration is erased (its password, links and team) in
 * the same batch that creates the admin from the secrets, as a Door B registration would (the operator's choice
 * of address proves it).
 */
export async function bootstrapAdmin(ctx: RequestContext): Promise<BootstrapOutcome> {
  const { ADMIN_EMAIL, ADMIN_PASSWORD } = ctx.config;
  if (!ADMIN_EMAIL || !ADMIN_PASSWORD) return "skipped";
  const email = normalizeEmail(ADMIN_EMAIL);
  if (!isValidEmail(email)) {
    logger.error("ADMIN_EMAIL is not a valid address; no admin bootstrapped");
    return "skipped";
  }
  const now = ctx.now();
  const existing = await findUserByEmail(ctx.db, email);
  if (existing && existing.emailVerifiedAt !== null) {
    await grantPlatformRole(ctx.db, existing.id, "admin", now);
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
  const id = newId(ctx.random);
  const pending = await erasePendingRegistration(ctx, {
    pending: existing,
    replacedBy: id,
    door: "bootstrap",
  });
  try {
    await commit(ctx, {
      writes: [
        ...pending.writes,
        insertUser(ctx.db, {
          id,
          email,
          name: "Administrator",
          passwordHash: hashPassword(ADMIN_PASSWORD.normalize("NFKC"), argon2Params(ctx.config), ctx.random),
          emailVerifiedAt: now,
          passwordMustChange: true,
          createdAt: now,
          updatedAt: now,
        }),
        grantPlatformRole(ctx.db, id, "admin", now),
      ],
      audit: [...pending.audit, { action: "admin.bootstrapped", target: { type: "user", id } }],
    });
  } catch (error) {
    if (isUniqueViolation(error, "users.email")) return "exists"; // another isolate won the race
    throw error;
  }
  if (existing) {
    logger.security("bootstrap admin replaced an unverified registration of ADMIN_EMAIL", {
      email: maskEmail(email),
      erasedUserId: existing.id,
    });
    return "replaced";
  }
  logger.security("bootstrap admin created", { email: maskEmail(email) });
  return "created";
}
