import { canGrant } from "../../auth/permission-match";
import { liveApiKeysOf, revokeApiKeyStatement } from "../../db/api-keys";
import type { AuditEvent } from "../../platform/audit";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import type { AfterCommit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import type { TeamActor } from "../teams/team-actor";

/**
 * The rule "an API key never outgrows its creator": a team API key's scope is always a subset of the
 * permissions its creator holds in the team (wildcards only where the creator holds them).
 *
 * - When a key is created or rotated, its scope must be within what the acting creator holds
 *   (`assertWithinCreator`; for a user, permissions read fresh from D1; for a key acting, that key's own scope).
 * - When a creator's permissions shrink (their role changed, their role's permissions edited, ownership moved
 *   away from them), every live key of the team that now exceeds its creator is revoked in the same D1 batch as
 *   the change (`revokeKeysBeyondCreators`), each audited.
 *
 * The rule is enforced on these (rare) writes, so authenticating a key stays one query.
 */

/** 403 unless a new key's `scope` is within what its creator (the acting `actor`) holds. */
export function assertWithinCreator(actor: TeamActor, scope: readonly string[]): void {
  const check = canGrant(actor.permissions, scope);
  if (!check.ok) {
    throw new AuthError("forbidden", { internal: { reason: "escalation", missing: check.missing } });
  }
}

/** The revocations of keys that outgrew their creators: writes and audit entries for the caller's commit. */
export interface KeyRevocations {
  writes: ReturnType<typeof revokeApiKeyStatement>[];
  audit: AuditEvent[];
  /** `api_key.revoked` on the team's event stream (it also ends those keys' streams): the caller's `after`. */
  after: AfterCommit[];
}

/**
 * After a role change (a member's role, a role's permissions, an ownership transfer): the revocations of every
 * live key of `teamId` whose scope its creator no longer holds, audited as `api_key.revoked` by `actorId`.
 * `permissionsOf(userId)` gives a creator's permissions after the change, or undefined when they do not change.
 * The caller commits them with the change itself: `commit(ctx, { writes: [...], audit: [...] })`.
 */
export async function revokeKeysBeyondCreators(
  ctx: RequestContext,
  {
    teamId,
    actorId,
    permissionsOf,
  }: {
    teamId: string;
    actorId: string;
    permissionsOf: (userId: string) => readonly string[] | undefined;
  },
): Promise<KeyRevocations> {
  const now = ctx.now();
  const keys = (await liveApiKeysOf(ctx.db, teamId)).filter((k) => {
    const held = permissionsOf(k.createdBy);
    return held !== undefined && !canGrant(held, JSON.parse(k.permissions) as string[]).ok;
  });
  return {
    writes: keys.map((k) => revokeApiKeyStatement(ctx.db, teamId, k.id, now)),
    audit: keys.map((k) => ({
      action: "api_key.revoked" as const,
      actorId,
      teamId,
      target: { type: "api_key" as const, id: k.id },
      reason: "creator_permissions_reduced",
      metadata: { before: { name: k.name, prefix: k.prefix, createdBy: k.createdBy } },
    })),
    after: keys.map((k) => teamEventEffect(ctx, teamId, { type: "api_key.revoked", data: { keyId: k.id } })),
  };
}
