import { API_KEY_PREFIX } from "../../auth/api-key-principal";
import { isValidGrant, normalizeGrants } from "../../auth/permission-match";
import type { Principal } from "../../auth/principal";
import { toBase64url } from "../../crypto/encoding";
import { hashToken } from "../../crypto/tokens";
import {
  type ApiKeyRow,
  findApiKey,
  insertApiKey,
  isRotationRace,
  liveApiKeysOf,
  revokeApiKeyStatement,
  rotateApiKeyStatements,
  usageOfTeamKeys,
} from "../../db/api-keys";
import type { RequestContext } from "../../platform/context";
import { AuthError, type FieldError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { type CommitGuard, commit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import { assertWithinPlan } from "../plans/within-plan";
import { chargeTeamBudget } from "../team-budgets/spend";
import { actorAudit, type TeamActor, teamActor, viaKey } from "../teams/team-actor";
import { assertWithinCreator } from "./creator-bound";

/** Characters of a key shown in lists (`gh_` + 7), enough to tell keys apart, far too few to guess the rest. */
const DISPLAY_PREFIX_LENGTH = 10;
/** Days of usage counts a key list reports. */
const USAGE_DAYS = 7;

function keyView(row: ApiKeyRow, usage: { day: string; count: number }[] = []) {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    permissions: JSON.parse(row.permissions) as string[],
    expiresAt: iso(row.expiresAt),
    createdAt: iso(row.createdAt) as string,
    createdBy: row.createdBy,
    lastUsedAt: iso(row.lastUsedAt),
    usage,
  };
}

/** A new key: `gh_` + 24 random bytes (192 bits) in base64url. */
function generateApiKey(random: (n: number) => Uint8Array): string {
  return `${API_KEY_PREFIX}${toBase64url(random(24))}`;
}

function checkGrants(permissions: string[]): string[] {
  const errors: FieldError[] = [];
  permissions.forEach((p, i) => {
    if (!isValidGrant(p)) errors.push({ path: `permissions.${i}`, message: `Unknown permission "${p}".` });
  });
  if (errors.length > 0) throw AuthError.validation(errors);
  return normalizeGrants(permissions);
}

async function issueKey(
  ctx: RequestContext,
  {
    actor,
    input,
    replaces,
    guard,
  }: {
    actor: TeamActor;
    input: { name: string; permissions: string[]; expiresAt: number | null };
    replaces?: ApiKeyRow;
    /** The plan limit, re-checked in the batch (a create; a rotation replaces a key and needs none). */
    guard?: CommitGuard;
  },
) {
  const now = ctx.now();
  const key = generateApiKey(ctx.random);
  const row: ApiKeyRow = {
    id: newId(ctx.random),
    teamId: actor.teamId,
    createdBy: actor.userId,
    name: input.name,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    keyHash: await hashToken(key),
    permissions: JSON.stringify(input.permissions),
    expiresAt: input.expiresAt,
    lastUsedAt: null,
    revokedAt: null,
    replacedBy: null,
    createdAt: now,
  };
  try {
    await commit(ctx, {
      writes: replaces ? rotateApiKeyStatements(ctx.db, row, replaces.id, now) : [insertApiKey(ctx.db, row)],
      guard,
      audit: {
        action: replaces ? "api_key.rotated" : "api_key.created",
        ...actorAudit(actor),
        target: { type: "api_key", id: row.id },
        metadata: {
          ...(replaces ? { before: { id: replaces.id, prefix: replaces.prefix } } : {}),
          after: {
            name: row.name,
            prefix: row.prefix,
            permissions: input.permissions,
            expiresAt: row.expiresAt,
          },
          ...viaKey(actor),
        },
      },
      after: [
        teamEventEffect(ctx, row.teamId, {
          type: "api_key.created",
          data: { keyId: row.id, name: row.name, prefix: row.prefix },
        }),
        ...(replaces
          ? [teamEventEffect(ctx, row.teamId, { type: "api_key.revoked", data: { keyId: replaces.id } })]
          : []),
      ],
    });
  } catch (error) {
    // Two concurrent rotations (or a rotation and a revocation) of one key: one wins, the others mint nothing.
    if (replaces && isRotationRace(error)) {
      throw new AuthError("not_found", { internal: { reason: "key revoked or rotated concurrently" } });
    }
    throw error;
  }
  const { id, prefix, name, permissions, expiresAt, createdAt } = keyView(row);
  return { id, key, prefix, name, permissions, expiresAt, createdAt };
}

/**
 * POST /teams/:teamId/api-keys (`api_keys:manage`): the key is in this answer only; its permissions are a subset
 * of the creator's (wildcards only where the creator holds them).
 */
export async function createApiKey(
  ctx: RequestContext,
  input: { auth: Principal; teamId: string; name: string; permissions: string[]; expiresAt?: string | null },
) {
  const actor = await teamActor(ctx, { auth: input.auth, teamId: input.teamId });
  const permissions = checkGrants(input.permissions);
  assertWithinCreator(actor, permissions);
  const guard = await assertWithinPlan(ctx, input.teamId, "apiKeys");
  let expiresAt: number | null = null;
  if (input.expiresAt) {
    expiresAt = Date.parse(input.expiresAt);
    if (!Number.isFinite(expiresAt) || expiresAt <= ctx.now()) {
      throw AuthError.validation([{ path: "expiresAt", message: "Choose a time in the future." }]);
    }
  }
  await chargeTeamBudget(ctx, { teamId: input.teamId, charge: { api_keys: 1 }, actorId: actor.userId });
  return issueKey(ctx, { actor, input: { name: input.name, permissions, expiresAt }, guard });
}

/** GET /teams/:teamId/api-keys (`api_keys:read`): never the key itself; with the last 7 days' request counts. */
export async function listApiKeys(ctx: RequestContext, teamId: string) {
  const since = new Date(ctx.now() - (USAGE_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const [rows, usage] = await Promise.all([
    liveApiKeysOf(ctx.db, teamId),
    usageOfTeamKeys(ctx.db, teamId, since),
  ]);
  return rows.map((r) =>
    keyView(
      r,
      usage.filter((u) => u.keyId === r.id).map(({ day, count }) => ({ day, count })),
    ),
  );
}

async function liveKey(ctx: RequestContext, { teamId, id }: { teamId: string; id: string }) {
  const row = await findApiKey(ctx.db, teamId, id);
  if (!row) throw new AuthError("not_found");
  return row;
}

/** DELETE /teams/:teamId/api-keys/:id: the key stops working on its next request. */
export async function revokeApiKey(
  ctx: RequestContext,
  { auth, teamId, id }: { auth: Principal; teamId: string; id: string },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const row = await liveKey(ctx, { teamId, id });
  const [revoked] = await commit(ctx, {
    writes: [revokeApiKeyStatement(ctx.db, teamId, row.id, ctx.now())],
    audit: {
      action: "api_key.revoked",
      ...actorAudit(actor),
      target: { type: "api_key", id: row.id },
      metadata: { before: { name: row.name, prefix: row.prefix }, ...viaKey(actor) },
    },
    after: ([done]) =>
      done.length === 0
        ? []
        : [teamEventEffect(ctx, teamId, { type: "api_key.revoked", data: { keyId: row.id } })],
  });
  if (revoked.length === 0) throw new AuthError("not_found");
}

/**
 * POST /teams/:teamId/api-keys/:id/rotate: a new key with the same name, scope and expiry; the old one is
 * revoked in the same batch. The rotating actor must still hold the key's scope.
 */
export async function rotateApiKey(
  ctx: RequestContext,
  { auth, teamId, id }: { auth: Principal; teamId: string; id: string },
) {
  const actor = await teamActor(ctx, { auth, teamId });
  const row = await liveKey(ctx, { teamId, id });
  const permissions = JSON.parse(row.permissions) as string[];
  assertWithinCreator(actor, permissions);
  await chargeTeamBudget(ctx, { teamId, charge: { api_keys: 1 }, actorId: actor.userId });
  return issueKey(ctx, {
    actor,
    input: { name: row.name, permissions, expiresAt: row.expiresAt },
    replaces: row,
  });
}
