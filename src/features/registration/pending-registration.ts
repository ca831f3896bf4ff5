import { findTeamById, firstTeamOf } from "../../db/teams";
import { isRegistrationExpired, purgeUnverifiedUserStatements, type UserRow } from "../../db/users";
import type { AuditEvent } from "../../platform/audit";
import type { RequestContext } from "../../platform/context";

/**
 * An unverified registration holds no credential worth keeping (account pre-hijacking: someone registers
 * `victim@…` with their own password before the victim does). Whoever registers the address next — Door A, Door
 * B (the invitation proves the address) or the admin bootstrap (the operator chose it) — erases the pending
 * registration in the same D1 batch as their own: its user row with its password and name, every verification
 * link it was mailed (the action tokens go with the user), and the team it created when nobody else is in it
 * (with its roles and memberships; nothing else can reference a team whose only member never signed in).
 * The new registration is a new user id, so a link mailed for the old one can never activate the new password,
 * and the old password never survives a verification.
 *
 * The purge only matches while the address is still unverified: if it is verified in the meantime, the purge
 * erases nothing and the new user's insert fails on the unique address (409 `email_taken` for the doors).
 */
export interface PendingErasure {
  /** Statements to put first in the new registration's batch. */
  writes: ReturnType<typeof purgeUnverifiedUserStatements> | readonly [];
  audit: AuditEvent[];
  /** The pending registration's team slug: the new registration may take it over (same derived slug). */
  teamSlug?: string;
  /** The pending registration's links had not expired (it was replaced, not merely cleaned up). */
  live: boolean;
}

export async function erasePendingRegistration(
  ctx: RequestContext,
  input: { pending: UserRow | undefined; replacedBy: string; door: "A" | "B" | "bootstrap" },
): Promise<PendingErasure> {
  const { pending, replacedBy, door } = input;
  if (!pending || pending.emailVerifiedAt !== null) return { writes: [], audit: [], live: false };
  const [expired, teamId] = await Promise.all([
    isRegistrationExpired(ctx.db, pending.id, ctx.now()),
    firstTeamOf(ctx.db, pending.id),
  ]);
  const team = teamId ? await findTeamById(ctx.db, teamId) : undefined;
  return {
    writes: purgeUnverifiedUserStatements(ctx.db, pending.id),
    audit: [
      {
        action: expired ? "user.registration_expired" : "user.registration_replaced",
        target: { type: "user", id: pending.id },
        ...(teamId ? { teamId } : {}),
        metadata: { replacedBy, door },
      },
    ],
    ...(team ? { teamSlug: team.slug } : {}),
    live: !expired,
  };
}
