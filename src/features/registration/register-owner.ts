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
import { argon2Params, outboxDeps, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { prepareEmail } from "../../platform/outbox";
import { emailSubject, enforceRateLimits } from "../../platform/rate-limits";
import { verifyTurnstile } from "../../platform/turnstile";
import { commit } from "../../platform/unit-of-work";
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
  ctx: RequestContext,
  input: RegisterOwnerInput,
): Promise<RegisterOwnerResult> {
  await requireCaptcha(ctx, input.turnstileToken);
  const email = normalizeEmail(input.email);
  await enforceRateLimits(rateLimitDeps(ctx), [
    ["register:ip", ctx.client.ip ?? "unknown"],
    ["register:email", await emailSubject(email)],
  ]);

  const policy = checkPasswordPolicy(input.password, { email });
  if (!policy.ok) throw passwordRejected(policy.reason);
  const explicitSlug = input.teamSlug === undefined ? undefined : checkSlug(input.teamSlug);

  const now = ctx.now();
  const existing = await findUserByEmail(ctx.db, email);
  let purge: ReturnType<typeof purgeUnverifiedUserStatements> | [] = [];
  if (existing) {
    if (existing.emailVerifiedAt !== null) throw new AuthError("email_taken");
    if (!(await isRegistrationExpired(ctx.db, existing.id, now))) {
      // Still pending: answer as a fresh registration would, and send the link again (within the daily cap).
      await sendVerificationMail(ctx, { user: existing, action: "user.registration_repeated" });
      const teamId = (await firstTeamOf(ctx.db, existing.id)) ?? "";
      return { userId: existing.id, teamId, message: verificationMessage(ctx.config) };
    }
    // An expired unverified registration frees the address: erase it in the same batch as the new one.
    purge = purgeUnverifiedUserStatements(ctx.db, existing.id);
  }

  if (ctx.config.HIBP_ENABLED) {
    const breach = await checkBreachedPassword(
      { fetch: ctx.fetch, apiUrl: ctx.config.HIBP_API_URL },
      policy.value,
    );
    if (breach.checked && breach.breached) throw passwordRejected("breached");
  }

  const slugs = explicitSlug ? [explicitSlug] : await freeSlugCandidates(ctx, input.teamName);
  const passwordHash = hashPassword(policy.value, argon2Params(ctx.config), ctx.random);
  const userId = newId(ctx.random);
  const teamId = newId(ctx.random);
  const token = generateToken(ctx.random);
  const verifyUrl = `${ctx.config.PUBLIC_ORIGIN}/api/v1/auth/verify-email?token=${token}`;
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "verify_email",
    to: email,
    data: {
      ...(input.name ? { name: input.name } : {}),
      verifyUrl,
      expiresHours: Math.round(ctx.config.VERIFICATION_TOKEN_TTL / 3600),
    },
  });
  const roleIds = newRoleIds(ctx.random);

  for (const slug of slugs) {
    try {
      await commit(ctx, {
        writes: [
          ...purge,
          insertUser(ctx.db, {
            id: userId,
            email,
            name: input.name ?? null,
            passwordHash,
            createdAt: now,
            updatedAt: now,
          }),
          insertTeam(ctx.db, { id: teamId, slug, name: input.teamName, createdAt: now, updatedAt: now }),
          insertRoles(ctx.db, defaultRoleRows(roleIds, teamId, now)),
          insertMembership(ctx.db, { teamId, userId, roleId: roleIds.owner, joinedAt: now }),
          insertActionToken(ctx.db, {
            tokenHash: await hashToken(token),
            purpose: "verify_email",
            userId,
            expiresAt: now + ctx.config.VERIFICATION_TOKEN_TTL * 1000,
            createdAt: now,
          }),
        ],
        audit: [
          ...(existing
            ? [
                {
                  action: "user.registration_expired" as const,
                  target: { type: "user" as const, id: existing.id },
                  metadata: { replacedBy: userId },
                },
              ]
            : []),
          {
            action: "user.registered",
            actorId: userId,
            target: { type: "user", id: userId },
            teamId,
            metadata: { teamSlug: slug, door: "A" },
          },
        ],
        mails: [mail],
      });
      return { userId, teamId, message: verificationMessage(ctx.config) };
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

async function requireCaptcha(ctx: RequestContext, token: string | undefined): Promise<void> {
  const result = await verifyTurnstile(ctx, { token, action: "register" });
  if (!result.ok) {
    if (result.reason !== "missing") {
      await commit(ctx, { audit: { action: "auth.captcha_failed", metadata: { reason: result.reason } } });
    }
    throw new AuthError("captcha_required", { internal: { reason: result.reason } });
  }
}
