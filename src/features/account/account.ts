import type { Principal } from "../../auth/principal";
import { loginEventsOf } from "../../db/login-events";
import { findTeamById, rolesOfTeam } from "../../db/teams";
import { findUserById } from "../../db/users";
import { deviceLabel, locationLabel } from "../../platform/client";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { mfaEnabled } from "../mfa/mfa";
import { endSessions } from "../sessions/end";
import { findSession, liveSessionsOf } from "../sessions/store";

/** GET /auth/me: who the caller is, in which team, with what permissions. */
export async function me(ctx: RequestContext, auth: Principal) {
  const [user, team] = await Promise.all([
    findUserById(ctx.db, auth.userId),
    auth.team ? findTeamById(ctx.db, auth.team) : Promise.resolve(undefined),
  ]);
  if (!user) throw new AuthError("unauthorized");
  const role = auth.team && auth.role ? await roleOf(ctx, { teamId: auth.team, roleName: auth.role }) : null;
  return {
    user: { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null },
    team: team ? { id: team.id, slug: team.slug, name: team.name } : null,
    role,
    permissions: auth.permissions,
    mfaEnabled: await mfaEnabled(ctx, auth.userId),
    platformRoles: auth.platformRoles,
  };
}

async function roleOf(ctx: RequestContext, input: { teamId: string; roleName: string }) {
  const role = (await rolesOfTeam(ctx.db, input.teamId)).find((r) => r.name === input.roleName);
  return role ? { id: role.id, name: role.name } : null;
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
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]?.at) : null,
  };
}
