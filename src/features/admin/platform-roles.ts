import type { PlatformRole } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { commit } from "../../platform/unit-of-work";
import { prepareSecurityAlert } from "../account/security-alerts";
import { sessionsEnded } from "../sessions/end";
import { revokeSessionsStatement } from "../sessions/store";
import { abortUnless, adminActionGuard, platformRolesOfUser, setPlatformRolesStatements } from "./store";
import { adminTarget, refuseSelf, withAdminGuard } from "./target";

/**
 * POST /admin/users/:id/roles (admin only): `roles` becomes the user's complete set of platform roles.
 *
 * - Never one's own (403): nobody grants themselves a role or drops their own admin.
 * - The last active admin keeps `admin` (409 `last_admin`): the batch starts with a guard (store.ts
 *   `adminActionGuard`) that the actor is still an active admin other than the target, evaluated in the same D1
 *   transaction as the change, so two admins demoting each other at once cannot both succeed.
 * - At once on live tokens: roles travel in access tokens, so every session of the user ends (D1 and the edge),
 *   as a lock does. Ending them rather than re-minting also makes a newly granted role start with a sign-in,
 *   where the login requires 2FA (`mfa_setup`) of every platform role.
 *
 * Setting the set the user already holds changes nothing (no audit entry, sessions untouched).
 */
export async function setPlatformRoles(
  ctx: RequestContext,
  input: { actorId: string; userId: string; roles: readonly PlatformRole[]; reason: string },
): Promise<{ platformRoles: PlatformRole[] }> {
  const { actorId, userId, reason } = input;
  refuseSelf(input);
  const user = await adminTarget(ctx, userId);
  const after = [...new Set(input.roles)].sort();
  const before = await platformRolesOfUser(ctx.db, userId);
  if (before.join() === after.join()) return { platformRoles: before };
  const now = ctx.now();
  // Not the user's own request: the alert names no device or place.
  const mail = await prepareSecurityAlert(ctx, {
    user,
    event:
      after.length > 0
        ? `An administrator changed your platform roles to: ${after.join(", ")}. Sign in again to use them.`
        : "An administrator removed your platform roles. You have been signed out.",
    client: null,
  });
  const writes = [
    abortUnless(ctx.db, { actorId, targetId: userId }, adminActionGuard(actorId, userId)),
    ...setPlatformRolesStatements(ctx.db, { userId, roles: after, now }),
    revokeSessionsStatement(ctx.db, { userId, now, reason: "platform_roles_changed" }),
  ] as const;
  await withAdminGuard(ctx, { actorId, targetId: userId }, () =>
    commit(ctx, {
      writes,
      audit: {
        action: "admin.platform_roles_changed",
        actorId,
        target: { type: "user", id: userId },
        reason,
        metadata: { before, after },
      },
      mails: [mail],
      after: (results) => {
        const revoked = results[results.length - 1] as { id: string; userId: string; accessEpoch: number }[];
        return sessionsEnded(ctx, revoked, "platform_roles_changed");
      },
    }),
  );
  return { platformRoles: after };
}
