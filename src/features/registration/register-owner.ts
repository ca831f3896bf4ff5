import { hashPassword } from "../../crypto/password";
import { checkPasswordPolicy } from "../../crypto/password-policy";
import { generateToken, hashToken } from "../../crypto/tokens";
import { insertActionToken } from "../../db/action-tokens";
import { isUniqueViolation } from "../../db/client";
import { firstTeamOf, insertMembership, insertRoles, insertTeam } from "../../db/teams";
import {
  findUserByEmail,
  insertUser,
  isRegistrationExpired,
  purgeUnverifiedUserStatements,
} from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { auditStatement, type RequestMeta } from "../../platform/audit";
import { argon2Params, outboxDeps, rateLimitDeps, type ServiceDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { emailSubject, enforceRateLimits } from "../../platform/rate-limits";
import { verifyTurnstile } from "../../platform/turnstile";
import { checkBreachedPassword } from "../passwords/breached";
import { passwordRejected } from "../passwords/rules";
import { checkSlug, defaultRoleRows, freeSlugCandidates, newRoleIds } from "../teams/new-team";
import { sendVerificationMail, verificationMessage } from "./verification";

/** Door A: a new user registers and creates their team, becoming its Owner. */
export interface RegisterOwnerInput {
  email: string;
  password: string;
  name?: string;
  teamName: string;
  teamSlug?: string;
  turnstileToken?: string;
}

export interface RegisterOwnerResult {
  userId: string;
  teamId: string;
  message: string;
}

export async function registerOwner(
  s: ServiceDeps,
  meta: RequestMeta,
  input: RegisterOwnerInput,
): Promise<RegisterOwnerResult> {
  await requireCaptcha(s, meta, input.turnstileToken);
  const email = normalizeEmail(input.email);
  await enforceRateLimits(rateLimitDeps(s), [
    ["register:ip", meta.ip ?? "unknown"],
    ["register:email", await emailSubject(email)],
  ]);

  const policy = checkPasswordPolicy(input.password, { email });
  if (!policy.ok) throw passwordRejected(policy.reason);
  const explicitSlug = input.teamSlug === undefined ? undefined : checkSlug(input.teamSlug);

  const now = s.now();
  const existing = await findUserByEmail(s.db, email);
  let purge: ReturnType<typeof purgeUnverifiedUserStatements> | [] = [];
  if (existing) {
    if (existing.emailVerifiedAt !== null) throw new AuthError("email_taken");
    if (!(await isRegistrationExpired(s.db, existing.id, now))) {
      // Still pending: answer as a fresh registration would, and send the link again (within the daily cap).
      await sendVerificationMail(s, meta, existing, "user.registration_repeated");
      const teamId = (await firstTeamOf(s.db, existing.id)) ?? "";
      return { userId: existing.id, teamId, message: verificationMessage(s.config) };
    }
    // An expired unverified registration frees the address: erase it in the same batch as the new one.
    purge = purgeUnverifiedUserStatements(s.db, existing.id);
  }

  if (s.config.HIBP_ENABLED) {
    const breach = await checkBreachedPassword(
      { fetch: s.fetch, apiUrl: s.config.HIBP_API_URL },
      policy.value,
    );
    if (breach.checked && breach.breached) throw passwordRejected("breached");
  }

  const slugs = explicitSlug ? [explicitSlug] : await freeSlugCandidates(s, input.teamName);
  const passwordHash = hashPassword(policy.value, argon2Params(s.config), s.random);
  const userId = newId(s.random);
  const teamId = newId(s.random);
  const token = generateToken(s.random);
  const verifyUrl = `${s.config.PUBLIC_ORIGIN}/api/v1/auth/verify-email?token=${token}`;
  const mail = await prepareEmail(outboxDeps(s), {
    template: "verify_email",
    to: email,
    data: {
      ...(input.name ? { name: input.name } : {}),
      verifyUrl,
      expiresHours: Math.round(s.config.VERIFICATION_TOKEN_TTL / 3600),
    },
  });
  const roleIds = newRoleIds(s.random);

  for (const slug of slugs) {
    try {
      await s.db.batch([
        ...purge,
        insertUser(s.db, {
          id: userId,
          email,
          name: input.name ?? null,
          passwordHash,
          createdAt: now,
          updatedAt: now,
        }),
        insertTeam(s.db, { id: teamId, slug, name: input.teamName, createdAt: now, updatedAt: now }),
        insertRoles(s.db, defaultRoleRows(roleIds, teamId, now)),
        insertMembership(s.db, { teamId, userId, roleId: roleIds.owner, joinedAt: now }),
        insertActionToken(s.db, {
          tokenHash: await hashToken(token),
          purpose: "verify_email",
          userId,
          expiresAt: now + s.config.VERIFICATION_TOKEN_TTL * 1000,
          createdAt: now,
        }),
        mail.statement,
        ...(existing
          ? [
              auditStatement(s, meta, {
                action: "user.registration_expired",
                target: { type: "user", id: existing.id },
                metadata: { replacedBy: userId },
              }),
            ]
          : []),
        auditStatement(s, meta, {
          action: "user.registered",
          actorId: userId,
          target: { type: "user", id: userId },
          teamId,
          metadata: { teamSlug: slug, door: "A" },
        }),
      ]);
      await dispatchEmails(outboxDeps(s), [mail.message]);
      return { userId, teamId, message: verificationMessage(s.config) };
    } catch (error) {
      if (isUniqueViolation(error, "users.email")) throw new AuthError("email_taken");
      if (isUniqueViolation(error, "teams.slug")) {
        if (explicitSlug) throw new AuthError("slug_taken");
        continue; // raced with another team on a derived slug: try the next candidate
      }
      throw error;
    }
  }
  throw new AuthError("slug_taken", { internal: { reason: "no free derived slug" } });
}

async function requireCaptcha(s: ServiceDeps, meta: RequestMeta, token: string | undefined): Promise<void> {
  const result = await verifyTurnstile(
    { fetch: s.fetch, secret: s.config.TURNSTILE_SECRET_KEY, verifyUrl: s.config.TURNSTILE_VERIFY_URL },
    token,
    meta.ip,
  );
  if (!result.ok) {
    if (result.reason !== "missing") {
      await s.db.batch([
        auditStatement(s, meta, { action: "auth.captcha_failed", metadata: { reason: result.reason } }),
      ]);
    }
    throw new AuthError("captcha_required", { internal: { reason: result.reason } });
  }
}
