import { hashPassword } from "../../crypto/password";
import { checkPasswordPolicy } from "../../crypto/password-policy";
import { generateToken, hashToken } from "../../crypto/tokens";
import { insertActionToken } from "../../db/action-tokens";
import { isUniqueViolation } from "../../db/client";
import { insertMembership, insertRoles, insertTeam } from "../../db/teams";
import { findUserByEmail, insertUser } from "../../db/users";
import { argon2Params, outboxDeps, type RequestContext, rateLimitDeps } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { verifyTurnstile } from "../../platform/outbound/turnstile";
import { prepareEmail } from "../../platform/outbox";
import { emailSubject, enforceRateLimits, hitRateLimit } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { refuseDisposableAddress } from "../abuse/disposable";
import { admitSignup } from "../abuse/monitor";
import { checkBreachedPassword } from "../passwords/breached";
import { passwordRejected } from "../passwords/rules";
import { checkSlug, defaultRoleRows, freeSlugCandidates, newRoleIds } from "../teams/new-team";
import { slugify } from "../teams/slug";
import { erasePendingRegistration } from "./pending-registration";
import { verificationMessage, verifyEmailUrl } from "./verification";

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
  refuseDisposableAddress(email);
  await enforceRateLimits(rateLimitDeps(ctx), [
    ["register:ip", ctx.client.ip ?? "unknown"],
    ["register:email", await emailSubject(email)],
  ]);
  // Bursts of sign-ups from one /24 (/48) or ASN (features/abuse): 429 for that network only.
  await admitSignup(ctx);

  const policy = checkPasswordPolicy(input.password, { email });
  if (!policy.ok) throw passwordRejected(policy.reason);
  const explicitSlug = input.teamSlug === undefined ? undefined : checkSlug(input.teamSlug);

  const now = ctx.now();
  const existing = await findUserByEmail(ctx.db, email);
  if (existing && existing.emailVerifiedAt !== null) throw new AuthError("email_taken");
  const userId = newId(ctx.random);
  // A pending (or expired) registration of the address holds nothing: this one erases it in its own batch —
  // password, name, team, every earlier link (see pending-registration.ts). Answered like a fresh one (201).
  const pending = await erasePendingRegistration(ctx, { pending: existing, replacedBy: userId, door: "A" });

  if (ctx.config.HIBP_ENABLED) {
    const breach = await checkBreachedPassword(ctx, policy.value);
    if (breach.checked && breach.breached) throw passwordRejected("breached");
  }

  const slugs = explicitSlug ? [explicitSlug] : await derivedSlugs(ctx, input.teamName, pending.teamSlug);
  const passwordHash = hashPassword(policy.value, argon2Params(ctx.config), ctx.random);
  const teamId = newId(ctx.random);
  const token = generateToken(ctx.random);
  // Replacing a live pending registration mails within the daily cap of verification mails (as resends do),
  // so re-registering an address cannot flood its mailbox; the replacement itself always happens.
  const mailAllowed = pending.live
    ? (await hitRateLimit(rateLimitDeps(ctx), "verify-mail:email", await emailSubject(email))).allowed
    : true;
  const mail = mailAllowed
    ? await prepareEmail(outboxDeps(ctx), {
        template: "verify_email",
        to: email,
        data: {
          ...(input.name ? { name: input.name } : {}),
          verifyUrl: verifyEmailUrl(ctx.config, token),
          expiresHours: Math.round(ctx.config.VERIFICATION_TOKEN_TTL / 3600),
        },
      })
    : null;
  const roleIds = newRoleIds(ctx.random);

  for (const slug of slugs) {
    try {
      await commit(ctx, {
        writes: [
          ...pending.writes,
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
          ...pending.audit,
          ...(mailAllowed
            ? []
            : [
                {
                  action: "user.verification_suppressed" as const,
                  target: { type: "user" as const, id: userId },
                },
              ]),
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

/**
 * Free slugs derived from the team name. The pending registration this one erases gives its slug up in the same
 * batch, so registering the same team name again keeps its slug instead of moving to `-2`.
 */
async function derivedSlugs(ctx: RequestContext, teamName: string, pendingSlug?: string): Promise<string[]> {
  const free = await freeSlugCandidates(ctx, teamName);
  return pendingSlug !== undefined && slugify(teamName) === pendingSlug ? [pendingSlug, ...free] : free;
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
