import { type BuiltInRole, DEFAULT_ROLES } from "../../auth/permissions";
import { toBase64url } from "../../crypto/encoding";
import { takenSlugs } from "../../db/teams";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { SLUG_MESSAGES, slugCandidates, slugify, validateSlug } from "./slug";

/** What every new team starts with (Door A registration and `POST /teams`): a free slug and the default roles. */
export function newRoleIds(random: (n: number) => Uint8Array): Record<BuiltInRole, string> {
  return { owner: newId(random), manager: newId(random), developer: newId(random) };
}

/** The default roles seeded in every new team (Door A and `POST /teams`). */
export function defaultRoleRows(ids: Record<BuiltInRole, string>, teamId: string, now: number) {
  return (Object.keys(DEFAULT_ROLES) as BuiltInRole[]).map((key) => ({
    id: ids[key],
    teamId,
    name: DEFAULT_ROLES[key].name,
    permissions: JSON.stringify(DEFAULT_ROLES[key].permissions),
    builtIn: key,
    createdAt: now,
    updatedAt: now,
  }));
}

/** A valid slug, or a 422 naming the field (`teamSlug` at registration, `slug` on the teams API). */
export function checkSlug(raw: string, path = "teamSlug"): string {
  const result = validateSlug(raw);
  if (!result.ok) {
    throw AuthError.validation([{ path, message: SLUG_MESSAGES[result.reason], reason: result.reason }]);
  }
  return result.value;
}

/** Candidate slugs derived from the team name that are free right now (the insert still guards races). */
export async function freeSlugCandidates(ctx: RequestContext, teamName: string): Promise<string[]> {
  const base =
    slugify(teamName) ??
    `team-${toBase64url(ctx.random(4))
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")}`;
  const candidates = slugCandidates(base, () =>
    Array.from(ctx.random(3), (b) => (b % 36).toString(36)).join(""),
  ).filter((c) => validateSlug(c).ok);
  const taken = await takenSlugs(ctx.db, candidates);
  const free = candidates.filter((c) => !taken.has(c));
  if (free.length === 0)
    throw new AuthError("slug_taken", { internal: { reason: "all derived slugs taken" } });
  return free;
}
