import type { EmailTemplate } from "../../email/types";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { type PreparedEmail, prepareEmail } from "../../platform/outbox";
import { findTarget, guardFailureReason, isGuardFailure } from "./store";

/** The account an admin action is about, or 404. */
export async function adminTarget(ctx: RequestContext, userId: string) {
  const user = await findTarget(ctx.db, userId);
  if (!user) throw new AuthError("not_found");
  return user;
}

/** Nobody changes their own roles, locks, resets or erases themselves through the admin API. */
export function refuseSelf(input: { actorId: string; userId: string }): void {
  if (input.actorId === input.userId) {
    throw new AuthError("forbidden", { internal: { reason: "admin action on oneself" } });
  }
}

/** One of the admin mails (email/admin-templates.ts) to the account's address; the reason is never in it. */
export function adminMail(
  ctx: RequestContext,
  template: Extract<EmailTemplate, `admin_${string}`>,
  user: { email: string; name: string | null },
): Promise<PreparedEmail> {
  return prepareEmail(outboxDeps(ctx), {
    template,
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      signInUrl: `${ctx.config.PUBLIC_ORIGIN}/login`,
      ...(ctx.config.SUPPORT_EMAIL ? { supportEmail: ctx.config.SUPPORT_EMAIL } : {}),
    },
  });
}

/**
 * Runs a unit of work whose batch starts with an `abortUnless` guard (store.ts) and turns a guard failure into
 * its answer: 409 `owner_transfer_required` (erasure of a user owning a shared team), 409 `last_admin`, or 403.
 */
export async function withAdminGuard<T>(
  ctx: RequestContext,
  input: { actorId: string; targetId: string; erasure?: boolean },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
    const reason = await guardFailureReason(ctx.db, input);
    if (reason === "owns_shared_team") throw ownsSharedTeam();
    if (reason === "last_admin") throw new AuthError("last_admin");
    throw new AuthError("forbidden", { internal: { reason: "actor is no longer an active admin" } });
  }
}

/** Erasure of a user who is the Owner of a team with other members. */
export function ownsSharedTeam(teams?: { id: string; slug: string }[]): AuthError {
  return new AuthError("owner_transfer_required", {
    detail:
      "This user owns a team that has other members. Transfer the team's ownership or delete the team first.",
    ...(teams ? { extra: { teams } } : {}),
  });
}
