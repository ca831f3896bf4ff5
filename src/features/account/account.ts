import type { Principal } from "../../auth/principal";
import { loginEventsOf } from "../../db/login-events";
import { findTeamById, rolesOfTeam } from "../../db/teams";
import { findUserById } from "../../db/users";
import { deviceLabel } from "../../http/user-agent";
import { locationLabel } from "../../platform/client";
import type { ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { mfaEnabled } from "../mfa/mfa";
import { findSession, liveSessionsOf } from "../sessions/store";

/** GET /auth/me: who the caller is, in which team, with what permissions. */
export async function me(s: ServiceDeps, auth: Principal) {
  const [user, team] = await Promise.all([
    findUserById(s.db, auth.userId),
    auth.team ? findTeamById(s.db, auth.team) : Promise.resolve(undefined),
  ]);
  if (!user) throw new AuthError("unauthorized");
  const role = auth.team && auth.role ? await roleOf(s, auth.team, auth.role) : null;
  return {
    user: { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null },
    team: team ? { id: team.id, slug: team.slug, name: team.name } : null,
    role,
    permissions: auth.permissions,
    mfaEnabled: await mfaEnabled(s, auth.userId),
    platformRoles: auth.platformRoles,
  };
}

async function roleOf(s: ServiceDeps, teamId: string, roleName: string) {
  const role = (await rolesOfTeam(s.db, teamId)).find((r) => r.name === roleName);
  return role ? { id: role.id, name: role.name } : null;
}

/** GET /auth/sessions: the caller's live sessions. */
export async function listSessions(s: ServiceDeps, auth: Principal) {
  const rows = await liveSessionsOf(s.db, auth.userId, s.now());
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

/** The session, if it is the caller's (anything else is "not found": no probing of other users' ids). */
export async function ownSession(s: ServiceDeps, auth: Principal, sessionId: string) {
  const session = await findSession(s.db, sessionId);
  if (!session || session.userId !== auth.userId || session.revokedAt !== null)
    throw new AuthError("not_found");
  return session;
}

/** GET /auth/login-activity: newest first, cursor = the `at` of the last item. */
export async function loginActivity(s: ServiceDeps, auth: Principal, limit: number, cursor?: string) {
  const before = cursor && /^\d{1,16}$/.test(cursor) ? Number(cursor) : undefined;
  const rows = await loginEventsOf(s.db, auth.userId, limit + 1, before);
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
