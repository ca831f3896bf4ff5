import type { RequestContext } from "../../platform/context";
import { logger } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { listTrustedDevices, revokeTrustedDevice } from "../devices/store";
import { sessionsEnded } from "../sessions/end";
import { revokeSessionsStatement } from "../sessions/store";
import { abortUnless, erasureGuard, erasureStatements, teamsOfErased } from "./store";
import { adminTarget, ownsSharedTeam, refuseSelf, withAdminGuard } from "./target";

/**
 * DELETE /admin/users/:id (admin only): erasure (GDPR art. 17) in one D1 batch — docs/admin.md "Erasure".
 *
 * - Refused for oneself (403), for the last active admin (409 `last_admin`), and while the user is the Owner of
 *   a team with other members (409 `owner_transfer_required`, with the teams: ownership moves by transfer, a
 *   team is not orphaned). Teams the user is alone in are deleted with them.
 * - Removed: the user row and with it (cascades) password, 2FA and recovery codes, memberships, platform roles,
 *   sessions and refresh tokens, login activity, challenges, approvals, action tokens, their API keys;
 *   invitations to the address and mails kept for it; trusted devices (KV, after the commit).
 * - Kept, pseudonymised: audit entries (store.ts `erasureStatements`). The erasure's own entry names the user
 *   by id only and carries the admin's reason.
 * - Every session ends at the edge at once, so no access token of the user outlives the erasure.
 */
export async function eraseUser(
  ctx: RequestContext,
  input: { actorId: string; userId: string; reason: string },
): Promise<void> {
  const { actorId, userId, reason } = input;
  refuseSelf(input);
  const user = await adminTarget(ctx, userId);
  const teams = await teamsOfErased(ctx.db, userId);
  const shared = teams.filter((t) => t.owner && t.members > 1);
  if (shared.length > 0) throw ownsSharedTeam(shared.map((t) => ({ id: t.teamId, slug: t.slug })));
  const soloTeamIds = teams.filter((t) => t.members === 1).map((t) => t.teamId);
  const now = ctx.now();
  await withAdminGuard(ctx, { actorId, targetId: userId, erasure: true }, () =>
    commit(ctx, {
      writes: [
        abortUnless(ctx.db, { actorId, targetId: userId }, erasureGuard(actorId, userId)),
        revokeSessionsStatement(ctx.db, { userId, now, reason: "erased" }),
        ...erasureStatements(ctx.db, { userId, email: user.email, name: user.name, soloTeamIds }),
      ],
      audit: {
        action: "admin.user_erased",
        actorId,
        target: { type: "user", id: userId },
        reason,
        metadata: { teamsDeleted: soloTeamIds },
      },
      after: ([, revoked]) => [
        ...sessionsEnded(ctx, revoked, "erased"),
        { name: "admin.forget_trusted_devices", run: () => forgetTrustedDevices(ctx, userId) },
      ],
    }),
  );
}

/** Trusted devices live in KV, outside the batch: removed after it (best effort, logged; they expire anyway). */
async function forgetTrustedDevices(ctx: RequestContext, userId: string): Promise<void> {
  const devices = await listTrustedDevices(ctx.kv, userId);
  await Promise.all(devices.map((d) => revokeTrustedDevice(ctx.kv, userId, d.id)));
  if (devices.length > 0) logger.info("erased user's trusted devices removed", { count: devices.length });
}
