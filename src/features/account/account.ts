import type { Principal } from "../../auth/principal";
import { loginEventsOf, riskOfLoginEvent } from "../../db/login-events";
import { deviceLabel, locationLabel } from "../../platform/client";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { endSessions } from "../sessions/end";
import { findSession, liveSessionsOf } from "../sessions/store";
import { meOf } from "./store";

/**
 * GET /auth/me: who the caller is, in which team, with what permissions. One D1 round trip (store.ts); the
 * permissions and platform roles are the token's.
 */
export async function me(ctx: RequestContext, auth: Principal) {
  const row = await meOf(ctx.db, { userId: auth.userId, teamId: auth.team, roleName: auth.role });
  if (!row) throw new AuthError("unauthorized");
  const { user } = row;
  return {
    user: { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null },
    team: row.teamId !== null ? { id: row.teamId, slug: row.teamSlug ?? "", name: row.teamName ?? "" } : null,
    role: row.roleId !== null ? { id: row.roleId, name: row.roleName ?? "" } : null,
    permissions: auth.permissions,
    mfaEnabled: Boolean(row.mfaEnabled),
    platformRoles: auth.platformRoles,
  };
}

/** GET /auth/sessions: the caller's live sessions; the stored user agent becomes a device label people recognise. */
export async function listSessions(ctx: RequestContext, auth: Principal) {
  const rows = await liveSessionsOf(ctx.db, auth.userId, ctx.now());
  return rows.map((r) => ({
    id: r.id,
    current: r.id === auth.sid,
    device: deviceLabel(r.userAgent),
    ip: r.ip,
    location: locationLabel(r),
    createdAt: new Date(r.createdAt).toISOString(),
    lastSeenAt: new Date(r.lastSeenAt).toISOString(),
    expiresAt: new Date(r.expiresAt).toISOString(),
  }));
}

/**
 * DELETE /auth/sessions/:id: ends one of the caller's sessions (anything not theirs is "not found": no probing
 * of other users' ids).
 */
export async function revokeOwnSession(ctx: RequestContext, input: { auth: Principal; sessionId: string }) {
  const session = await findSession(ctx.db, input.sessionId);
  if (!session || session.userId !== input.auth.userId || session.revokedAt !== null)
    throw new AuthError("not_found");
  await endSessions(ctx, { userId: input.auth.userId, sessionIds: [session.id], action: "session.revoked" });
}

/** GET /auth/login-activity: newest first, cursor = the `at` of the last item. */
export async function loginActivity(
  ctx: RequestContext,
  input: { auth: Principal; limit: number; cursor?: string },
) {
  const { auth, limit, cursor } = input;
  const before = cursor && /^\d{1,16}$/.test(cursor) ? Number(cursor) : undefined;
  const rows = await loginEventsOf(ctx.db, auth.userId, limit + 1, before);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      at: new Date(r.at).toISOString(),
      outcome: r.outcome,
      ip: r.ip,
      location: locationLabel(r),
      device: r.device,
      reason: r.reason,
      /** The attempt's risk evaluation (features/login/risk/risk.ts), null when none was recorded. */
      risk: riskOfLoginEvent(r),
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]?.at) : null,
  };
}
