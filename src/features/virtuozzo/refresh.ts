import type { Principal } from "../../auth/principal";
import { findTeamById } from "../../db/teams";
import type { AuditEvent } from "../../platform/audit";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { logger } from "../../platform/logger";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import { checksign, getaccount, signin, type VzFailure, vzDeps } from "./client";
import { openCredential, sealSessionKey } from "./sealing";
import { findTeamOwner, storeRefreshedKey, storeRefreshFailure, type VirtuozzoConnectionRow } from "./store";

/** Why a refresh runs (audit metadata). */
export type RefreshTrigger = "expiry" | "invalid_report" | "forced";

export interface RefreshOutcome {
  kind: "fresh";
  sessionKey: string;
  sealedKey: string;
  expiresAt: number;
}

/** The Virtuozzo session lifetime Gatehouse assumes for a connection, ms. */
export const ttlMs = (row: Pick<VirtuozzoConnectionRow, "sessionTtlSeconds">) => row.sessionTtlSeconds * 1000;

/** Refresh once less than min(600 s, sessionTtlSeconds / 2) remain (issue 15 item 2). */
export const safetyWindowMs = (row: Pick<VirtuozzoConnectionRow, "sessionTtlSeconds">) =>
  Math.min(600, row.sessionTtlSeconds / 2) * 1000;

/** Audit fields of whoever triggered the work (a member, or an API key acting for its creator). */
export function callerAudit(
  auth: Principal,
  teamId: string,
): Pick<AuditEvent, "actorId" | "teamId" | "target"> {
  return { actorId: auth.userId, teamId, target: { type: "team", id: teamId } };
}
const viaKey = (auth: Principal) => (auth.apiKeyId ? { apiKeyId: auth.apiKeyId } : {});

/**
 * The leader's work (it holds the team's lease in the VirtuozzoSession object): a new session key — a sign-in
 * with the stored login and password, or, for a personal access token, a checksign that it is still accepted —
 * plus the account's current groupType, stored sealed in D1 with its audit and event in one batch. A refused
 * credential marks the connection `reauth_required` and mails the Owner in the same batch (409 for everyone);
 * an unreachable Virtuozzo is recorded and answered as `VzFailure` (the caller decides: old key or 502).
 */
export async function refreshConnection(
  ctx: RequestContext,
  input: { auth: Principal; row: VirtuozzoConnectionRow; trigger: RefreshTrigger; extraAudit?: AuditEvent[] },
): Promise<RefreshOutcome | VzFailure> {
  const { row, auth, trigger } = input;
  const teamId = row.teamId;
  const credential = await openCredential(ctx, teamId, row.credential);
  const deps = vzDeps(ctx);
  let sessionKey: string;
  if (credential.kind === "password") {
    const r = await signin(deps, row.apiUrl, credential);
    if (r.kind !== "ok") return failed(ctx, input, r);
    sessionKey = r.value.session;
  } else {
    const r = await checksign(deps, row.apiUrl, credential.token);
    if (r.kind !== "ok") return failed(ctx, input, r);
    sessionKey = credential.token;
  }
  // The account may have changed plan since: best effort (a failure keeps the groupType we had).
  const account = await getaccount(deps, row.apiUrl, sessionKey);
  const groupType = account.kind === "ok" ? account.value.groupType : row.groupType;
  const now = ctx.now();
  const expiresAt = now + ttlMs(row);
  const sealedKey = await sealSessionKey(ctx, teamId, sessionKey);
  const [stored] = await commit(ctx, {
    writes: [
      storeRefreshedKey(
        ctx.db,
        { teamId, generation: row.generation },
        { sessionKey: sealedKey, sessionExpiresAt: expiresAt, groupType, now },
      ),
    ],
    audit: [
      ...(input.extraAudit ?? []),
      {
        action: "virtuozzo.refreshed",
        ...callerAudit(auth, teamId),
        metadata: { trigger, authKind: row.authKind, expiresAt, groupType, ...viaKey(auth) },
      },
    ],
    after: [teamEventEffect(ctx, teamId, { type: "virtuozzo.refreshed", data: { connectionId: teamId } })],
  });
  if (stored.length === 0) {
    // The Owner replaced or removed the credential meanwhile: this key belongs to the old one.
    throw new AuthError("conflict", {
      detail: "The team's Virtuozzo connection changed during the refresh. Try again.",
      internal: { reason: "generation changed during refresh" },
    });
  }
  return { kind: "fresh", sessionKey, sealedKey, expiresAt };
}

async function failed(
  ctx: RequestContext,
  input: { auth: Principal; row: VirtuozzoConnectionRow; trigger: RefreshTrigger; extraAudit?: AuditEvent[] },
  failure: VzFailure,
): Promise<VzFailure> {
  const { row, auth, trigger } = input;
  const teamId = row.teamId;
  const reason = failure.kind;
  const detail = failure.kind === "rejected" ? { resultCode: failure.code } : { cause: failure.reason };
  logger.warn("virtuozzo refresh failed", { teamId, reason, ...detail });
  const audit: AuditEvent[] = [
    ...(input.extraAudit ?? []),
    {
      action: "virtuozzo.refresh_failed",
      ...callerAudit(auth, teamId),
      reason,
      metadata: { trigger, reason, ...detail, ...viaKey(auth) },
    },
  ];
  let mail = null;
  if (failure.kind === "rejected") {
    audit.push({ action: "virtuozzo.reauth_required", ...callerAudit(auth, teamId), reason: "rejected" });
    mail = await reauthMail(ctx, teamId);
  }
  await commit(ctx, {
    writes: [storeRefreshFailure(ctx.db, { teamId, generation: row.generation }, reason, ctx.now())],
    audit,
    mails: [mail],
    after: [
      teamEventEffect(ctx, teamId, { type: "virtuozzo.failed", data: { connectionId: teamId, reason } }),
    ],
  });
  return failure;
}

/** The `virtuozzo_reauth` mail to the team's Owner. */
async function reauthMail(ctx: RequestContext, teamId: string) {
  const [owner, team] = await Promise.all([findTeamOwner(ctx.db, teamId), findTeamById(ctx.db, teamId)]);
  if (!owner || !team) return null;
  return prepareEmail(outboxDeps(ctx), {
    template: "virtuozzo_reauth",
    to: owner.email,
    data: {
      teamName: team.name,
      settingsUrl: `${ctx.config.PUBLIC_ORIGIN}/teams/${teamId}`,
      ...(owner.name ? { name: owner.name } : {}),
    },
  });
}
