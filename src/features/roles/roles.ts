import { isValidGrant, normalizeGrants, type RoleNode, resolveRole } from "../../auth/permission-match";
import type { Principal } from "../../auth/principal";
import { isUniqueViolation } from "../../db/client";
import {
  deleteUnusedRole,
  findRole,
  insertRole,
  membersOfTeam,
  type RoleRow,
  restampMembershipsStatement,
  updateRoleStatement,
} from "../../db/teams";
import type { RequestContext } from "../../platform/context";
import { AuthError, type FieldError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { commit } from "../../platform/unit-of-work";
import { revokeKeysBeyondCreators } from "../api-keys/creator-bound";
import { assertWithinPlan } from "../plans/within-plan";
import { memberCuts, memberTokensEnded } from "../sessions/end";
import {
  actorAudit,
  assertCanGrant,
  effectiveOf,
  type TeamActor,
  teamActor,
  viaKey,
} from "../teams/team-actor";
import { roleMap, roleNode } from "./effective-permissions";

/**
 * Team roles. Built-in roles (Owner, Manager, Developer) are read-only: the Owner role because ownership moves
 * only by transfer, Manager and Developer so that every team's defaults stay what API.md says (a team that
 * wants something else creates a custom role, which may inherit a built-in one). Custom roles are created,
 * edited and deleted with `roles:manage`, never granting more than the actor holds.
 */
function roleView(row: RoleRow, roles: readonly RoleRow[]) {
  const resolved = resolveRole(roleMap(roles), row.id);
  return {
    id: row.id,
    name: row.name,
    permissions: JSON.parse(row.permissions) as string[],
    inherits: row.inheritsRoleId,
    builtIn: row.builtIn !== null,
    effectivePermissions: resolved.ok ? resolved.permissions : [],
    createdAt: iso(row.createdAt) as string,
    updatedAt: iso(row.updatedAt) as string,
  };
}

export async function listRoles(ctx: RequestContext, { auth, teamId }: { auth: Principal; teamId: string }) {
  const actor = await teamActor(ctx, { auth, teamId });
  return actor.roles.map((r) => roleView(r, actor.roles));
}

export interface RoleInput {
  name: string;
  permissions: string[];
  inherits?: string | null;
}

const INHERITANCE_MESSAGES = {
  cycle: "A role cannot inherit from itself, directly or through other roles.",
  too_deep: "Roles can inherit at most 5 levels deep.",
  unknown_role: "No such role in this team.",
} as const;

/**
 * Validates a role as it would be stored: catalogue permissions (wildcards allowed), a parent of the same team,
 * no cycle and a bounded depth — for the role itself and for every role inheriting it. Returns the stored
 * permission list and the role's effective permissions.
 */
function checkCandidate(actor: TeamActor, candidate: RoleNode) {
  const errors: FieldError[] = [];
  candidate.permissions.forEach((p, i) => {
    if (!isValidGrant(p)) errors.push({ path: `permissions.${i}`, message: `Unknown permission "${p}".` });
  });
  if (errors.length > 0) throw AuthError.validation(errors);
  const map = roleMap(actor.roles);
  map.set(candidate.id, candidate);
  if (candidate.inheritsRoleId !== null && !map.has(candidate.inheritsRoleId)) {
    throw AuthError.validation([
      { path: "inherits", message: INHERITANCE_MESSAGES.unknown_role, reason: "unknown_role" },
    ]);
  }
  for (const id of map.keys()) {
    const resolved = resolveRole(map, id);
    if (!resolved.ok) {
      throw AuthError.validation([
        { path: "inherits", message: INHERITANCE_MESSAGES[resolved.reason], reason: resolved.reason },
      ]);
    }
  }
  return resolveRole(map, candidate.id) as { ok: true; permissions: string[] };
}

function nameTaken(error: unknown): AuthError | undefined {
  return isUniqueViolation(error, "roles.team_id")
    ? new AuthError("conflict", { detail: "A role with this name already exists in the team." })
    : undefined;
}

export async function createRole(
  ctx: RequestContext,
  input: { auth: Principal; teamId: string } & RoleInput,
) {
  const { teamId } = input;
  const actor = await teamActor(ctx, { auth: input.auth, teamId });
  const id = newId(ctx.random);
  const permissions = normalizeGrants(input.permissions);
  const candidate = { id, permissions, inheritsRoleId: input.inherits ?? null };
  const effective = checkCandidate(actor, candidate);
  assertCanGrant(actor, effective.permissions);
  const guard = await assertWithinPlan(ctx, teamId, "customRoles");
  const now = ctx.now();
  const row: RoleRow = {
    id,
    teamId,
    name: input.name,
    permissions: JSON.stringify(permissions),
    inheritsRoleId: candidate.inheritsRoleId,
    builtIn: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await commit(ctx, {
      writes: [insertRole(ctx.db, row)],
      guard,
      audit: {
        action: "role.created",
        ...actorAudit(actor),
        target: { type: "role", id },
        metadata: { after: { name: row.name, permissions, inherits: row.inheritsRoleId }, ...viaKey(actor) },
      },
    });
  } catch (error) {
    throw nameTaken(error) ?? error;
  }
  return roleView(row, [...actor.roles, row]);
}

async function customRole(ctx: RequestContext, { teamId, roleId }: { teamId: string; roleId: string }) {
  const role = await findRole(ctx.db, teamId, roleId);
  if (!role) throw new AuthError("not_found");
  if (role.builtIn !== null) throw new AuthError("role_protected");
  return role;
}

/** PATCH …/roles/:roleId: the members holding the role get the new permissions at their next refresh. */
/** The members whose effective permissions lose anything from `before` to `after` (role edits). */
function membersLosingPermissions(
  before: ReturnType<typeof roleMap>,
  after: ReturnType<typeof roleMap>,
  members: readonly { userId: string; roleId: string }[],
): string[] {
  const lost = new Map<string, boolean>();
  const losesSomething = (roleId: string): boolean => {
    const known = lost.get(roleId);
    if (known !== undefined) return known;
    const was = resolveRole(before, roleId);
    const now = resolveRole(after, roleId);
    const kept = new Set(now.ok ? now.permissions : []);
    const loses = was.ok ? was.permissions.some((p) => !kept.has(p)) : !now.ok;
    lost.set(roleId, loses);
    return loses;
  };
  return members.filter((m) => losesSomething(m.roleId)).map((m) => m.userId);
}

export async function updateRole(
  ctx: RequestContext,
  {
    auth,
    teamId,
    roleId,
    patch,
  }: { auth: Principal; teamId: string; roleId: string; patch: Partial<RoleInput> },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const role = await customRole(ctx, { teamId, roleId });
  const before = roleNode(role);
  const permissions = patch.permissions ? normalizeGrants(patch.permissions) : [...before.permissions];
  const candidate = {
    id: role.id,
    permissions,
    inheritsRoleId: patch.inherits === undefined ? role.inheritsRoleId : patch.inherits,
  };
  // Neither widen a role beyond what the actor holds, nor touch a role that already holds more.
  assertCanGrant(actor, effectiveOf(actor.roles, role.id));
  assertCanGrant(actor, checkCandidate(actor, candidate).permissions);
  const name = patch.name ?? role.name;
  const now = ctx.now();
  const after = roleMap(actor.roles);
  after.set(role.id, candidate);
  const members = await membersOfTeam(ctx.db, teamId);
  const roleOfMember = new Map(members.map((m) => [m.userId, m.roleId]));
  const losers = membersLosingPermissions(roleMap(actor.roles), after, members);
  const keyRevocations = await revokeKeysBeyondCreators(ctx, {
    teamId,
    actorId: actor.userId,
    permissionsOf: (uid) => {
      const memberRole = roleOfMember.get(uid);
      const resolved = memberRole ? resolveRole(after, memberRole) : undefined;
      return resolved?.ok ? resolved.permissions : undefined;
    },
  });
  try {
    await commit(ctx, {
      writes: [
        updateRoleStatement(ctx.db, {
          teamId,
          roleId: role.id,
          patch: { name, permissions: JSON.stringify(permissions), inheritsRoleId: candidate.inheritsRoleId },
          now,
        }),
        restampMembershipsStatement(ctx.db, teamId, losers, now),
        ...keyRevocations.writes,
      ],
      audit: [
        {
          action: "role.updated",
          ...actorAudit(actor),
          target: { type: "role", id: role.id },
          metadata: {
            before: { name: role.name, permissions: before.permissions, inherits: role.inheritsRoleId },
            after: { name, permissions, inherits: candidate.inheritsRoleId },
            ...viaKey(actor),
          },
        },
        ...keyRevocations.audit,
      ],
      // A withdrawn permission leaves every token that carries it, in whichever session, at once.
      after: ([, restamped]) => [
        ...memberTokensEnded(ctx, { teamId, cuts: memberCuts(restamped), reason: "permission_withdrawn" }),
        ...keyRevocations.after,
      ],
    });
  } catch (error) {
    throw nameTaken(error) ?? error;
  }
  const updated: RoleRow = {
    ...role,
    name,
    permissions: JSON.stringify(permissions),
    inheritsRoleId: candidate.inheritsRoleId,
    updatedAt: now,
  };
  return roleView(
    updated,
    actor.roles.map((r) => (r.id === role.id ? updated : r)),
  );
}

/** DELETE …/roles/:roleId: only a custom role nobody holds and no role inherits (else 409 `role_in_use`). */
export async function deleteRole(
  ctx: RequestContext,
  { auth, teamId, roleId }: { auth: Principal; teamId: string; roleId: string },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const role = await customRole(ctx, { teamId, roleId });
  if (!(await deleteUnusedRole(ctx.db, teamId, role.id))) throw new AuthError("role_in_use");
  await commit(ctx, {
    audit: {
      action: "role.deleted",
      ...actorAudit(actor),
      target: { type: "role", id: role.id },
      metadata: {
        before: { name: role.name, permissions: JSON.parse(role.permissions), inherits: role.inheritsRoleId },
        ...viaKey(actor),
      },
    },
  });
}
