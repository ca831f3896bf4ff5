import { issueAccessToken } from "../../auth/access-tokens";
import { type AccessClaims, acrOf } from "../../auth/principal";
import { bindingClaim, type SessionBinding } from "../../auth/session-binding";
import { createCsrfToken, csrfKey } from "../../crypto/csrf";
import { membershipOf } from "../../db/teams";
import { platformRolesOf, type UserRow } from "../../db/users";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { effectivePermissions } from "../roles/effective-permissions";

/**
 * What a session answers with (session-exchange, refresh, team switch, concurrent approve): an access token
 * carrying the team grant, the refresh token, and the CSRF token for cookie clients.
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

export interface TeamGrant {
  team: { id: string; slug: string; name: string } | null;
  role: { id: string; name: string } | null;
  permissions: string[];
  /** The membership's access stamp the grant was read with (null outside a team): the token's `mst`. */
  memberStamp: number | null;
  /** The team's plan, when the membership query read it (per-team budgets, features/team-budgets). */
  plan?: string;
}

/** The grant of a session outside any team. */
export const NO_TEAM: TeamGrant = { team: null, role: null, permissions: [], memberStamp: null };

/** The grant of the user's membership in `teamId` (403 when not a member); no team → an empty grant. */
export async function teamGrant(
  ctx: RequestContext,
  input: { userId: string; teamId: string | null },
): Promise<TeamGrant> {
  if (input.teamId === null) return NO_TEAM;
  const m = await membershipOf(ctx.db, input.userId, input.teamId);
  if (!m) throw new AuthError("forbidden", { internal: { reason: "not a member of the team" } });
  return grantFromRole(ctx, { membership: m });
}

export interface MembershipRole {
  teamId: string;
  teamSlug: string;
  teamName: string;
  roleId: string;
  roleName: string;
  rolePermissions: string;
  roleInherits: string | null;
  accessStamp: number;
  plan?: string;
}

/** The token grant of a membership; permissions are the role's effective ones (inheritance resolved). */
export async function grantFromRole(
  ctx: RequestContext,
  input: { membership: MembershipRole; teamRoles?: Parameters<typeof effectivePermissions>[3] },
): Promise<TeamGrant> {
  const m = input.membership;
  return {
    team: { id: m.teamId, slug: m.teamSlug, name: m.teamName },
    role: { id: m.roleId, name: m.roleName },
    permissions: await effectivePermissions(
      ctx.db,
      m.teamId,
      { id: m.roleId, permissions: m.rolePermissions, inheritsRoleId: m.roleInherits },
      input.teamRoles,
    ),
    memberStamp: m.accessStamp,
    ...(m.plan ? { plan: m.plan } : {}),
  };
}

function bindingClaimOf(ctx: RequestContext, sessionId: string, binding: SessionBinding): Promise<string> {
  const current = ctx.config.ENCRYPTION_KEYS[0];
  if (!current) throw new AuthError("misconfigured");
  return bindingClaim(current, sessionId, binding);
}

async function csrfFor(ctx: RequestContext, sessionId: string): Promise<string> {
  const current = ctx.config.ENCRYPTION_KEYS[0];
  if (!current) throw new AuthError("misconfigured");
  return createCsrfToken(await csrfKey(current.key, current.id), sessionId, ctx.random);
}

export interface SessionTokenInput {
  user: Pick<UserRow, "id" | "email" | "name" | "emailVerifiedAt">;
  sessionId: string;
  refreshToken: string;
  expiresAt: number;
  rememberMe: boolean;
  grant: TeamGrant;
  /** The session's access epoch (0 for a new session; bumped by each team switch). */
  accessEpoch: number;
  /** The user's platform roles when the caller already read them (else one D1 read). */
  platformRoles?: string[];
  /** The session's last authentication (sessions.auth_time, epoch ms, and sessions.amr): the token's RFC 9470 claims. */
  authentication: SessionAuthentication;
  /**
   * The binding the session recorded at creation (auth/session-binding.ts `recordedBinding` of its row), hashed
   * into the token's `bnd` claim for the edge check; null or absent for a session that recorded none.
   */
  binding?: SessionBinding | null;
}

/** When and how the user last proved who they are in a session (sessions.auth_time and sessions.amr). */
export interface SessionAuthentication {
  /** Epoch ms. */
  at: number;
  /** RFC 8176 method values. */
  amr: string[];
}

/** The sessions.amr column ↔ a method list. */
export const amrColumn = {
  write: (amr: readonly string[]): string => amr.join(","),
  read: (value: string | null | undefined): string[] => (value ? value.split(",").filter(Boolean) : []),
};

/** Signs the access token of a session and assembles the session answer. */
export async function issueSessionTokens(
  ctx: RequestContext,
  input: SessionTokenInput,
): Promise<SessionTokens> {
  const { user, sessionId, grant } = input;
  const claims: AccessClaims = {
    sid: sessionId,
    team: grant.team?.id ?? null,
    role: grant.role?.name ?? null,
    permissions: grant.permissions,
    platformRoles: input.platformRoles ?? (await platformRolesOf(ctx.db, user.id)),
    sep: input.accessEpoch,
    mst: grant.memberStamp,
    auth_time: Math.floor(input.authentication.at / 1000),
    amr: input.authentication.amr,
    acr: acrOf(input.authentication.amr),
    ...(input.binding ? { bnd: await bindingClaimOf(ctx, sessionId, input.binding) } : {}),
  };
  const access = await issueAccessToken(ctx.config, ctx, user.id, claims);
  return {
    accessToken: access.token,
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    refreshToken: input.refreshToken,
    refreshMaxAge: input.rememberMe ? Math.max(0, Math.floor((input.expiresAt - ctx.now()) / 1000)) : null,
    csrfToken: await csrfFor(ctx, sessionId),
    user: { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null },
    team: grant.team,
    role: grant.role,
    permissions: grant.permissions,
    sessionId,
  };
}
