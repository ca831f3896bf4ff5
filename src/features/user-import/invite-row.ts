import { isUniqueViolation } from "../../db/client";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { type CommitGuard, commit } from "../../platform/unit-of-work";
import { issueInvitation } from "../invitations/issue-invitation";
import { assertWithinPlan } from "../plans/within-plan";
import type { RowError, ValidRow } from "./rows";
import { findTeam, findTeamRole, insertImportInvitation, rowFacts } from "./store";

export type RowOutcome = { kind: "created" } | { kind: "skipped" } | { kind: "error"; error: RowError };

/** What a chunk's rows share: the job, its admin (the invitations' actor) and the teams and roles read so far. */
export interface ChunkScope {
  jobId: string;
  inviter: { id: string | null; name: string | null };
  teams: Map<string, { id: string; name: string } | null>;
  roles: Map<string, { id: string; name: string; builtIn: string | null } | null>;
}

async function cached<T>(map: Map<string, T | null>, key: string, load: () => Promise<T | undefined>) {
  if (!map.has(key)) map.set(key, (await load()) ?? null);
  return map.get(key) ?? null;
}

/**
 * Invites one validated row, at most once however often its message is delivered:
 * - this job already invited (team, email) — a redelivery, or a concurrent delivery of the same chunk — →
 *   `created` (counted once per chunk: the chunk's counts are stored when it completes);
 * - the address is a member of the team, or has a pending invitation to it (from anyone) → `skipped`;
 * - the team or role was deleted since the upload → an error row; the team at its member limit → an error row
 *   `plan_limit_reached` (members plus pending invitations, as for POST /teams/:teamId/invitations);
 * - else the invitation, its audit entry (actor: the admin), its outbox mail and the row's idempotency key go in
 *   ONE D1 batch: the key's primary key makes a second batch for the same row fail as a whole.
 */
export async function inviteRow(ctx: RequestContext, scope: ChunkScope, row: ValidRow): Promise<RowOutcome> {
  const { jobId } = scope;
  const fail = (code: RowError["code"], message: string): RowOutcome => ({
    kind: "error",
    error: { row: row.row, email: row.email, code, message },
  });
  const facts = await rowFacts(ctx.db, { jobId, teamId: row.teamId, email: row.email, now: ctx.now() });
  if (facts.imported) return { kind: "created" };
  if (facts.member || facts.pending) return { kind: "skipped" };
  const team = await cached(scope.teams, row.teamId, () => findTeam(ctx.db, row.teamId));
  if (!team) return fail("unknown_team", "The team was deleted after the upload.");
  const role = await cached(scope.roles, row.roleId, () => findTeamRole(ctx.db, row.teamId, row.roleId));
  if (!role || role.builtIn === "owner")
    return fail("unknown_role", "The role was deleted after the upload.");
  let guard: CommitGuard;
  try {
    guard = await assertWithinPlan(ctx, team.id, "members", {
      countInvitations: true,
      reinvitedEmail: row.email,
    });
  } catch (error) {
    if (error instanceof AuthError && error.code === "plan_limit_reached") {
      return fail("plan_limit_reached", error.detail);
    }
    if (error instanceof AuthError && error.code === "not_found") {
      return fail("unknown_team", "The team was deleted after the upload.");
    }
    throw error;
  }
  const invitation = await issueInvitation(ctx, {
    team,
    role,
    email: row.email,
    inviter: scope.inviter,
    metadata: { importJobId: jobId, row: row.row },
  });
  try {
    await commit(ctx, {
      guard,
      // The invitation first: the key references it (foreign keys are checked per statement in D1).
      writes: [
        invitation.statement,
        insertImportInvitation(ctx.db, {
          jobId,
          teamId: team.id,
          email: row.email,
          invitationId: invitation.id,
          createdAt: ctx.now(),
        }),
      ],
      audit: invitation.audit,
      mails: [invitation.mail],
      after: [invitation.event],
    });
  } catch (error) {
    if (isUniqueViolation(error, "user_import_invitations")) return { kind: "created" };
    // Another create took the team's last seat between the check and this batch.
    if (error instanceof AuthError && error.code === "plan_limit_reached") {
      return fail("plan_limit_reached", error.detail);
    }
    throw error;
  }
  return { kind: "created" };
}
