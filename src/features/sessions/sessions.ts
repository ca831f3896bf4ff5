import { issueAccessToken } from "../../auth/access-tokens";
import type { AccessClaims } from "../../auth/principal";
import { revokeAtEdge } from "../../auth/revocation";
import { createCsrfToken, csrfKey } from "../../crypto/csrf";
import { generateToken, hashToken } from "../../crypto/tokens";
import { runBatch } from "../../db/client";
import { membershipOf } from "../../db/teams";
import { findUserById, platformRolesOf, type UserRow } from "../../db/users";
import { dispatchEmails, prepareEmail } from "../../email/outbox";
import { auditStatement } from "../../platform/audit";
import type { ClientInfo } from "../../platform/client";
import { outboxDeps, type ServiceDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { effectivePermissions } from "../roles/effective-permissions";
import { releaseSlots } from "./single-session";
import {
  findSession,
  insertRefreshToken,
  revokeSessionStatement,
  rotateRefreshToken,
  sessionByRefreshToken,
  switchSessionTeamStatements,
} from "./store";

/**
 * Sessions: created by `session-exchange` at the end of a login, kept alive by rotating refresh tokens
 * (RFC 9700 §4.14.2: every refresh rotates; a reused token revokes the whole family), bounded by an idle
 * timeout and an absolute lifetime (remember-me picks the longer one), bound to the device that signed in.
 */
export interface SessionTokens {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  /** Seconds until the session's absolute expiry (for the refresh cookie), or null for a browser-session cookie. */
  refreshMaxAge: number | null;
  csrfToken: string;
  user: { id: string; email: string; name: string | null; emailVerified: boolean };
  team: { id: string; slug: string; name: string } | null;
  role: { id: string; name: string } | null;
  permissions: string[];
  sessionId: string;
}

/** A concurrent refresh of the same token within this window is a race, not a theft: answer 409, revoke nothing. */
export const REFRESH_RACE_GRACE_MS = 10_000;

export interface TeamGrant {
  team: { id: string; slug: string; name: string } | null;
  role: { id: string; name: string } | null;
  permissions: string[];
}

export async function teamGrant(s: ServiceDeps, userId: string, teamId: string | null): Promise<TeamGrant> {
  if (teamId === null) return { team: null, role: null, permissions: [] };
  const m = await membershipOf(s.db, userId, teamId);
  if (!m) throw new AuthError("forbidden", { internal: { reason: "not a member of the team" } });
  return grantFromRole(s, m);
}

/** The token grant of a membership; permissions are the role's effective ones (inheritance resolved). */
async function grantFromRole(
  s: ServiceDeps,
  m: {
    teamId: string;
    teamSlug: string;
    teamName: string;
    roleId: string;
    roleName: string;
    rolePermissions: string;
    roleInherits: string | null;
  },
  teamRoles?: Parameters<typeof effectivePermissions>[3],
): Promise<TeamGrant> {
  return {
    team: { id: m.teamId, slug: m.teamSlug, name: m.teamName },
    role: { id: m.roleId, name: m.roleName },
    permissions: await effectivePermissions(
      s.db,
      m.teamId,
      { id: m.roleId, permissions: m.rolePermissions, inheritsRoleId: m.roleInherits },
      teamRoles,
    ),
  };
}

export async function csrfFor(s: ServiceDeps, sessionId: string): Promise<string> {
  const current = s.config.ENCRYPTION_KEYS[0];
  if (!current) throw new AuthError("misconfigured");
  return createCsrfToken(await csrfKey(current.key, current.id), sessionId, s.random);
}

type TokenUser = Pick<UserRow, "id" | "email" | "name" | "emailVerifiedAt">;

export async function tokensFor(
  s: ServiceDeps,
  user: TokenUser,
  sessionId: string,
  refreshToken: string,
  expiresAt: number,
  rememberMe: boolean,
  grant: TeamGrant,
  platformRoles?: string[],
): Promise<SessionTokens> {
  const claims: AccessClaims = {
    sid: sessionId,
    team: grant.team?.id ?? null,
    role: grant.role?.name ?? null,
    permissions: grant.permissions,
    platformRoles: platformRoles ?? (await platformRolesOf(s.db, user.id)),
  };
  const access = await issueAccessToken(s.config, s, user.id, claims);
  return {
    accessToken: access.token,
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    refreshToken,
    refreshMaxAge: rememberMe ? Math.max(0, Math.floor((expiresAt - s.now()) / 1000)) : null,
    csrfToken: await csrfFor(s, sessionId),
    user: { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null },
    team: grant.team,
    role: grant.role,
    permissions: grant.permissions,
    sessionId,
  };
}

/** POST /auth/refresh: rotate the refresh token (one conditional write decides the single winner). */
export async function refreshSession(
  s: ServiceDeps,
  client: ClientInfo,
  deviceHash: string | null,
  refreshToken: string,
): Promise<SessionTokens> {
  const now = s.now();
  const unauthorized = (reason: string) =>
    new AuthError("unauthorized", {
      detail: "Your session has ended. Please sign in again.",
      internal: { reason },
    });
  if (!/^[A-Za-z0-9_-]{22,86}$/.test(refreshToken)) throw unauthorized("malformed");
  const tokenHash = await hashToken(refreshToken);
  // Round trip 1: the token, its session, the user and their role.
  const row = await sessionByRefreshToken(s.db, tokenHash).get();
  if (!row) throw unauthorized("unknown");
  const session = row.session;
  if (session.revokedAt !== null) throw unauthorized("revoked");
  const conflictOrReuse = async (usedAt: number | null) => {
    if (usedAt !== null && now - usedAt < REFRESH_RACE_GRACE_MS && deviceHash === session.deviceHash) {
      return new AuthError("refresh_conflict");
    }
    await revokeForReuse(s, client, session.id, session.userId);
    return new AuthError("token_reused");
  };
  if (row.usedAt !== null) throw await conflictOrReuse(row.usedAt);
  if (deviceHash !== session.deviceHash) {
    await s.db.batch([
      auditStatement(s, client, {
        action: "session.refreshed_from_other_device",
        target: { type: "user", id: session.userId },
        metadata: { sessionId: session.id },
      }),
    ]);
    throw unauthorized("device");
  }
  const idleExpired = session.lastSeenAt + s.config.SESSION_IDLE_TTL * 1000 <= now;
  if (idleExpired || session.expiresAt <= now) {
    await s.db.batch([
      revokeSessionStatement(s.db, session.id, now, idleExpired ? "idle_timeout" : "absolute_timeout"),
      auditStatement(s, client, {
        action: "session.expired",
        target: { type: "user", id: session.userId },
        metadata: { sessionId: session.id, reason: idleExpired ? "idle" : "absolute" },
      }),
    ]);
    throw unauthorized(idleExpired ? "idle_timeout" : "absolute_timeout");
  }
  const user = row.user;
  if (user.disabledAt !== null) throw unauthorized("user");
  const grant: TeamGrant =
    session.teamId && row.roleId && row.teamSlug && row.teamName && row.roleName && row.rolePermissions
      ? await grantFromRole(
          s,
          {
            teamId: session.teamId,
            teamSlug: row.teamSlug,
            teamName: row.teamName,
            roleId: row.roleId,
            roleName: row.roleName,
            rolePermissions: row.rolePermissions,
            roleInherits: row.roleInherits,
          },
          row.teamRoles
            ? (JSON.parse(row.teamRoles) as Parameters<typeof effectivePermissions>[3])
            : undefined,
        )
      : { team: null, role: null, permissions: [] };
  const next = generateToken(s.random);
  // Round trip 2: the rotation itself; losing it means a concurrent refresh of the same token won.
  if (!(await rotateRefreshToken(s.db, tokenHash, await hashToken(next), session.id, now))) {
    throw await conflictOrReuse(now);
  }
  const platformRoles = row.platformRoles ? row.platformRoles.split(",") : [];
  return tokensFor(s, user, session.id, next, session.expiresAt, session.rememberMe, grant, platformRoles);
}

/** RFC 9700 §4.14.2: a rotated refresh token came back — revoke the family, audit, and tell the owner. */
async function revokeForReuse(
  s: ServiceDeps,
  client: ClientInfo,
  sessionId: string,
  userId: string,
): Promise<void> {
  const now = s.now();
  const user = await findUserById(s.db, userId);
  const mail = user
    ? await prepareEmail(outboxDeps(s), {
        template: "token_reuse",
        to: user.email,
        data: {
          ...(user.name ? { name: user.name } : {}),
          device: client.device,
          ...(client.ip ? { ip: client.ip } : {}),
          resetUrl: `${s.config.PUBLIC_ORIGIN}/forgot-password`,
        },
      })
    : null;
  await s.db.batch([
    revokeSessionStatement(s.db, sessionId, now, "token_reuse"),
    auditStatement(s, client, {
      action: "session.token_reused",
      target: { type: "user", id: userId },
      metadata: { sessionId },
    }),
    ...(mail ? [mail.statement] : []),
  ]);
  await revokeAtEdge(
    { kv: s.env.KV, now: s.now, accessTokenTtl: s.config.ACCESS_TOKEN_TTL },
    [sessionId],
    "token_reuse",
  );
  await releaseSlots(s, userId, [sessionId]);
  if (mail) await dispatchEmails(outboxDeps(s), [mail.message]);
}

/** Ends sessions: in D1 (no more refreshes) and at the edge (their access tokens die at once). */
export async function endSessions(
  s: ServiceDeps,
  client: ClientInfo,
  userId: string,
  sessionIds: string[],
  action: "session.logout" | "session.revoked",
): Promise<void> {
  if (sessionIds.length === 0) return;
  const now = s.now();
  await runBatch(s.db, [
    ...sessionIds.map((id) =>
      revokeSessionStatement(s.db, id, now, action === "session.logout" ? "logout" : "revoked"),
    ),
    ...sessionIds.map((id) =>
      auditStatement(s, client, {
        action,
        actorId: userId,
        target: { type: "user", id: userId },
        metadata: { sessionId: id },
      }),
    ),
  ]);
  await revokeAtEdge(
    { kv: s.env.KV, now: s.now, accessTokenTtl: s.config.ACCESS_TOKEN_TTL },
    sessionIds,
    action,
  );
  await releaseSlots(s, userId, sessionIds);
}

/** POST /auth/session-exchange with a live session: the same session, now for another team. */
export async function switchTeam(
  s: ServiceDeps,
  client: ClientInfo,
  auth: { userId: string; sid: string },
  teamId: string | null,
): Promise<SessionTokens> {
  const now = s.now();
  const session = await findSession(s.db, auth.sid);
  if (!session || session.revokedAt !== null || session.expiresAt <= now) {
    throw new AuthError("unauthorized", { detail: "Your session has ended. Please sign in again." });
  }
  const user = await findUserById(s.db, auth.userId);
  if (!user) throw new AuthError("unauthorized");
  const grant = await teamGrant(s, user.id, teamId);
  const refreshToken = generateToken(s.random);
  await s.db.batch([
    ...switchSessionTeamStatements(s.db, session.id, grant.team?.id ?? null, now),
    insertRefreshToken(s.db, await hashToken(refreshToken), session.id, now),
    auditStatement(s, client, {
      action: "session.team_switched",
      actorId: user.id,
      target: { type: "user", id: user.id },
      teamId: grant.team?.id ?? null,
      metadata: { sessionId: session.id, from: session.teamId },
    }),
  ]);
  return tokensFor(s, user, session.id, refreshToken, session.expiresAt, session.rememberMe, grant);
}
