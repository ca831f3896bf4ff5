import { generateToken, hashToken } from "../../crypto/tokens";
import type { AuditEvent } from "../../platform/audit";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { newId } from "../../platform/ids";
import { type PreparedEmail, prepareEmail } from "../../platform/outbox";
import type { AfterCommit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import { INVITATION_TTL_MS } from "./invitations";
import { insertInvitation } from "./store";

/**
 * The parts of a new invitation for a caller that has already decided it may be sent — today the bulk import
 * (features/user-import), whose actor is a platform admin rather than a team member: the invitation row, its
 * audit entry, its mail (the same `invitation` template and link as POST /teams/:teamId/invitations) and its
 * team event. The caller commits them in one unit of work with its own statements. Unlike inviteMember this
 * does not replace a pending invitation of the address: the import skips such rows instead.
 */
export async function issueInvitation(
  ctx: RequestContext,
  input: {
    team: { id: string; name: string };
    role: { id: string; name: string };
    email: string;
    /** The acting admin; null when their account was erased before a queued chunk ran. */
    inviter: { id: string | null; name: string | null };
    metadata?: Record<string, unknown>;
  },
): Promise<{
  id: string;
  statement: ReturnType<typeof insertInvitation>;
  audit: AuditEvent;
  mail: PreparedEmail;
  event: AfterCommit;
}> {
  const { team, role, email, inviter } = input;
  const now = ctx.now();
  const id = newId(ctx.random);
  const token = generateToken(ctx.random);
  const expiresAt = now + INVITATION_TTL_MS;
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "invitation",
    to: email,
    data: {
      ...(inviter.name ? { inviterName: inviter.name } : {}),
      teamName: team.name,
      roleName: role.name,
      acceptUrl: `${ctx.config.PUBLIC_ORIGIN}/invite?token=${token}`,
      expiresDays: 7,
    },
  });
  return {
    id,
    statement: insertInvitation(ctx.db, {
      id,
      teamId: team.id,
      email,
      roleId: role.id,
      tokenHash: await hashToken(token),
      invitedBy: inviter.id,
      createdAt: now,
      expiresAt,
    }),
    audit: {
      action: "invitation.created",
      actorId: inviter.id,
      teamId: team.id,
      target: { type: "invitation", id },
      metadata: {
        after: { email, roleId: role.id, roleName: role.name, expiresAt },
        ...input.metadata,
      },
    },
    mail,
    event: teamEventEffect(ctx, team.id, {
      type: "invitation.sent",
      data: { invitationId: id, role: { id: role.id, name: role.name } },
    }),
  };
}
