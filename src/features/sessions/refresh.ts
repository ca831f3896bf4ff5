import { type BindingCheck, bindingOf, checkBinding, recordedBinding } from "../../auth/session-binding";
import { generateToken, hashToken } from "../../crypto/tokens";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { commit } from "../../platform/unit-of-work";
import type { effectivePermissions } from "../roles/effective-permissions";
import { endMismatchedSession } from "./binding-mismatch";
import { refreshTokenReused } from "./refresh-reuse";
import {
  amrColumn,
  grantFromRole,
  issueSessionTokens,
  NO_TEAM,
  type SessionTokens,
  type TeamGrant,
} from "./session-tokens";
import { revokeSessionStatement, rotateRefreshToken, sessionByRefreshToken } from "./store";

/**
 * POST /auth/refresh: sessions are created by `session-exchange` at the end of a login, kept alive by rotating
 * refresh tokens (a reused one revokes the session: refresh-reuse.ts), bounded by an idle timeout and an
 * absolute lifetime (remember-me picks the longer one), and bound to the device that signed in. Two D1 round
 * trips: the token with its session, user and role; then the rotation, one conditional write that decides the
 * single winner of concurrent refreshes.
 */
export async function refreshSession(
  ctx: RequestContext,
  input: { deviceHash: string | null; refreshToken: string },
): Promise<SessionTokens> {
  const { deviceHash, refreshToken } = input;
  const now = ctx.now();
  const unauthorized = (reason: string) =>
    new AuthError("unauthorized", {
      detail: "Your session has ended. Please sign in again.",
      internal: { reason },
    });
  if (!/^[A-Za-z0-9_-]{22,86}$/.test(refreshToken)) throw unauthorized("malformed");
  const tokenHash = await hashToken(refreshToken);
  // Round trip 1: the token, its session, the user and their role.
  const row = await sessionByRefreshToken(ctx.db, tokenHash).get();
  if (!row) throw unauthorized("unknown");
  const session = row.session;
  if (session.revokedAt !== null) throw unauthorized("revoked");
  if (row.usedAt !== null) throw await refreshTokenReused(ctx, { session, usedAt: row.usedAt, deviceHash });
  if (deviceHash !== session.deviceHash) {
    await commit(ctx, {
      audit: {
        action: "session.refreshed_from_other_device",
        target: { type: "user", id: session.userId },
        metadata: { sessionId: session.id },
      },
    });
    throw unauthorized("device");
  }
  const idleExpired = session.lastSeenAt + ctx.config.SESSION_IDLE_TTL * 1000 <= now;
  if (idleExpired || session.expiresAt <= now) {
    await commit(ctx, {
      writes: [
        revokeSessionStatement(ctx.db, session.id, now, idleExpired ? "idle_timeout" : "absolute_timeout"),
      ],
      audit: {
        action: "session.expired",
        target: { type: "user", id: session.userId },
        metadata: { sessionId: session.id, reason: idleExpired ? "idle" : "absolute" },
      },
    });
    throw unauthorized(idleExpired ? "idle_timeout" : "absolute_timeout");
  }
  const user = row.user;
  if (user.disabledAt !== null) throw unauthorized("user");
  // The client must keep to the session's binding (SESSION_BINDING); a refresh within it, from a new address,
  // changes nothing: the session stays bound to what it recorded at creation.
  const binding = recordedBinding(session);
  const kept: BindingCheck = binding
    ? checkBinding(ctx.config.SESSION_BINDING, binding, bindingOf(ctx.client))
    : { ok: true };
  if (!kept.ok) {
    throw await endMismatchedSession(ctx, {
      sessionId: session.id,
      userId: session.userId,
      reason: kept.reason,
      via: "refresh",
      recorded: binding ?? undefined,
    });
  }
  const grant: TeamGrant =
    session.teamId && row.roleId && row.teamSlug && row.teamName && row.roleName && row.rolePermissions
      ? await grantFromRole(ctx, {
          membership: {
            teamId: session.teamId,
            teamSlug: row.teamSlug,
            teamName: row.teamName,
            roleId: row.roleId,
            roleName: row.roleName,
            rolePermissions: row.rolePermissions,
            roleInherits: row.roleInherits,
            accessStamp: row.memberStamp ?? 0,
          },
          ...(row.teamRoles
            ? { teamRoles: JSON.parse(row.teamRoles) as Parameters<typeof effectivePermissions>[3] }
            : {}),
        })
      : NO_TEAM;
  const next = generateToken(ctx.random);
  // Round trip 2: the rotation itself; losing it means a concurrent refresh of the same token won.
  const rotated = await rotateRefreshToken(ctx.db, {
    oldHash: tokenHash,
    newHash: await hashToken(next),
    sessionId: session.id,
    now,
  });
  if (!rotated) {
    throw await refreshTokenReused(ctx, { session, usedAt: now, deviceHash });
  }
  return issueSessionTokens(ctx, {
    user,
    sessionId: session.id,
    refreshToken: next,
    expiresAt: session.expiresAt,
    rememberMe: session.rememberMe,
    grant,
    accessEpoch: session.accessEpoch,
    platformRoles: row.platformRoles ? row.platformRoles.split(",") : [],
    authentication: { at: session.authTime, amr: amrColumn.read(session.amr) },
    binding,
  });
}
