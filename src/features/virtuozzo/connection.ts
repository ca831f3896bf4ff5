import type { Principal } from "../../auth/principal";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { iso } from "../../platform/iso-time";
import { logger } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { teamEventEffect } from "../events/publish";
import { actorAudit, teamActor } from "../teams/team-actor";
import { type ApiUrlRefusal, checkApiUrl } from "./api-url";
import { getaccount, getuserinfo, signin, signout, type VzFailure, vzDeps } from "./client";
import { openCredential, openSessionKey, sealCredential, sealSessionKey, type VzCredential } from "./sealing";
import { forcedSessionKey, sessionObject, vzUnavailable } from "./session-keys";
import { deleteConnection, findConnection, upsertConnection, type VirtuozzoConnectionRow } from "./store";

/** Default and bounds of `sessionTtlSeconds` (Virtuozzo publishes no session lifetime). */
export const SESSION_TTL = { default: 86_400, min: 300, max: 30 * 86_400 } as const;

/** GET …/virtuozzo: the connection's state, never a secret. */
export interface ConnectionStatus {
  connected: boolean;
  groupType: string | null;
  expiresAt: string | null;
  lastRefreshAt: string | null;
  apiUrl: string | null;
  authKind: "password" | "token" | null;
  sessionTtlSeconds: number | null;
  lastFailure: string | null;
  lastFailureAt: string | null;
}

type StatusFields = Pick<
  VirtuozzoConnectionRow,
  | "status"
  | "groupType"
  | "sessionExpiresAt"
  | "lastRefreshAt"
  | "apiUrl"
  | "authKind"
  | "sessionTtlSeconds"
  | "lastFailure"
  | "lastFailureAt"
>;

export function statusOf(row: StatusFields | undefined): ConnectionStatus {
  return {
    connected: row?.status === "connected",
    groupType: row?.groupType ?? null,
    expiresAt: iso(row?.sessionExpiresAt ?? null),
    lastRefreshAt: iso(row?.lastRefreshAt ?? null),
    apiUrl: row?.apiUrl ?? null,
    authKind: row?.authKind ?? null,
    sessionTtlSeconds: row?.sessionTtlSeconds ?? null,
    lastFailure: row?.lastFailure ?? null,
    lastFailureAt: iso(row?.lastFailureAt ?? null),
  };
}

/** Writes are the Owner's alone (a signed-in member bound to the team; roles read fresh from D1). */
async function ownerOnly(ctx: RequestContext, { auth, teamId }: { auth: Principal; teamId: string }) {
  if (auth.team !== teamId)
    throw new AuthError("forbidden", { internal: { reason: "token bound to another team" } });
  const actor = await teamActor(ctx, { auth, teamId });
  if (!actor.isOwner) throw new AuthError("forbidden", { internal: { reason: "not the owner" } });
  return actor;
}

const URL_COPY: Record<ApiUrlRefusal, string> = {
  malformed: "Enter the API URL of your Virtuozzo platform, e.g. https://app.jelastic.example.com.",
  scheme: "The API URL must use https.",
  userinfo: "The API URL must not contain a user name or password.",
  fragment: "The API URL must not contain a fragment (#).",
  private_address: "This address is not allowed.",
  host_not_allowed: "This Virtuozzo host is not allowed on this Gatehouse.",
};

export type ConnectInput = {
  auth: Principal;
  teamId: string;
  apiUrl: string;
  sessionTtlSeconds?: number;
} & ({ login: string; password: string } | { token: string });

/**
 * PUT …/virtuozzo: checks the URL (SSRF rules, api-url.ts), signs in first (a token: getuserinfo validates it)
 * and reads the account's groupType; only then stores the credential and the session key, sealed, with a new
 * generation. Nothing is stored when Virtuozzo refuses (422 on the credential's fields) or cannot be reached
 * (502). A replaced password connection's old session is signed out after the commit.
 */
export async function connectVirtuozzo(ctx: RequestContext, input: ConnectInput): Promise<ConnectionStatus> {
  const actor = await ownerOnly(ctx, input);
  const { teamId } = input;
  const url = checkApiUrl(input.apiUrl, {
    environment: ctx.config.ENVIRONMENT,
    allowedHosts: ctx.config.VIRTUOZZO_ALLOWED_HOSTS,
  });
  if (!url.ok) {
    throw AuthError.validation([{ path: "apiUrl", message: URL_COPY[url.reason], reason: url.reason }]);
  }
  const apiUrl = url.origin;
  const credential: VzCredential =
    "token" in input
      ? { kind: "token", token: input.token }
      : { kind: "password", login: input.login, password: input.password };
  const deps = vzDeps(ctx);
  let sessionKey: string;
  if (credential.kind === "password") {
    const r = await signin(deps, apiUrl, credential);
    if (r.kind !== "ok") throw refused(r, ["login", "password"]);
    sessionKey = r.value.session;
  } else {
    const r = await getuserinfo(deps, apiUrl, credential.token);
    if (r.kind !== "ok") throw refused(r, ["token"]);
    sessionKey = credential.token;
  }
  const account = await getaccount(deps, apiUrl, sessionKey);
  if (account.kind === "unavailable") {
    if (credential.kind === "password") ctx.waitUntil(signout(deps, apiUrl, sessionKey));
    throw vzUnavailable(`getaccount ${account.reason}`);
  }
  // An account whose key may not read billing (8202) is connected without a groupType.
  const groupType = account.kind === "ok" ? account.value.groupType : null;
  const previous = await findConnection(ctx.db, teamId);
  const now = ctx.now();
  const ttl = input.sessionTtlSeconds ?? SESSION_TTL.default;
  const expiresAt = now + ttl * 1000;
  const [sealedCredential, sealedKey] = await Promise.all([
    sealCredential(ctx, teamId, credential),
    sealSessionKey(ctx, teamId, sessionKey),
  ]);
  const row = {
    teamId,
    apiUrl,
    authKind: credential.kind,
    credential: sealedCredential,
    sessionKey: sealedKey,
    sessionExpiresAt: expiresAt,
    sessionTtlSeconds: ttl,
    groupType,
    connectedBy: actor.userId,
    connectedAt: now,
    lastRefreshAt: now,
    updatedAt: now,
  };
  const [[written]] = await commit(ctx, {
    writes: [upsertConnection(ctx.db, row, now)],
    audit: {
      action: "virtuozzo.connected",
      ...actorAudit(actor),
      target: { type: "team", id: teamId },
      metadata: {
        apiUrl,
        authKind: credential.kind,
        groupType,
        sessionTtlSeconds: ttl,
        replaced: !!previous,
      },
    },
    after: (results) => [
      {
        name: "virtuozzo.session.reset",
        run: () =>
          sessionObject(ctx, teamId).reset(results[0][0]?.generation ?? now, { sealedKey, expiresAt }),
      },
      teamEventEffect(ctx, teamId, { type: "virtuozzo.connected", data: { connectionId: teamId } }),
    ],
  });
  if (previous) ctx.waitUntil(signOutQuietly(ctx, previous));
  logger.info("virtuozzo connected", { teamId, generation: written?.generation, authKind: credential.kind });
  return statusOf({ ...row, status: "connected", lastFailure: null, lastFailureAt: null });
}

function refused(failure: VzFailure, fields: string[]): AuthError {
  if (failure.kind === "unavailable") return vzUnavailable(`sign-in ${failure.reason}`);
  return AuthError.validation(
    fields.map((path) => ({ path, message: "Virtuozzo rejected these credentials.", reason: "rejected" })),
    "Virtuozzo rejected these credentials. Nothing was saved.",
  );
}

/** GET …/virtuozzo (the Owner, or `virtuozzo:manage` checked by the route). */
export async function connectionStatus(ctx: RequestContext, teamId: string): Promise<ConnectionStatus> {
  return statusOf(await findConnection(ctx.db, teamId));
}

/** POST …/virtuozzo/refresh: the Owner forces a new session key now (same per-team lock as a lazy refresh). */
export async function refreshNow(ctx: RequestContext, input: { auth: Principal; teamId: string }) {
  await ownerOnly(ctx, input);
  await forcedSessionKey(ctx, input);
  return connectionStatus(ctx, input.teamId);
}

/**
 * DELETE …/virtuozzo: signs the session out at Virtuozzo (a password connection; a personal access token is the
 * Owner's to revoke, never ended by Gatehouse), then forgets the credential, and the team's object drops its key.
 */
export async function disconnectVirtuozzo(ctx: RequestContext, input: { auth: Principal; teamId: string }) {
  const actor = await ownerOnly(ctx, input);
  const row = await findConnection(ctx.db, input.teamId);
  if (!row) throw new AuthError("virtuozzo_not_connected");
  const signedOut = await signOutQuietly(ctx, row);
  const [deleted] = await commit(ctx, {
    writes: [deleteConnection(ctx.db, input.teamId, row.generation)],
    audit: {
      action: "virtuozzo.disconnected",
      ...actorAudit(actor),
      target: { type: "team", id: input.teamId },
      metadata: { apiUrl: row.apiUrl, authKind: row.authKind, signedOut },
    },
    after: [
      {
        name: "virtuozzo.session.reset",
        run: () => sessionObject(ctx, input.teamId).reset(row.generation, null),
      },
      teamEventEffect(ctx, input.teamId, {
        type: "virtuozzo.disconnected",
        data: { connectionId: input.teamId },
      }),
    ],
  });
  if (deleted.length === 0) {
    throw new AuthError("conflict", { detail: "The Virtuozzo connection changed meanwhile. Try again." });
  }
}

/**
 * For a team about to be deleted (its connection row goes with it, by cascade): reads the connection first and
 * answers the sign-out to run once the deletion committed, or null when there is nothing to sign out. Best
 * effort, like DELETE …/virtuozzo's: a session Virtuozzo keeps expires there on its own.
 */
export async function signOutOnTeamDeletion(
  ctx: RequestContext,
  teamId: string,
): Promise<(() => Promise<boolean>) | null> {
  const row = await findConnection(ctx.db, teamId);
  if (row?.authKind !== "password" || !row.sessionKey) return null;
  return () => signOutQuietly(ctx, row);
}

/** Signs a password connection's current session out; true when Virtuozzo confirmed. Never throws. */
async function signOutQuietly(ctx: RequestContext, row: VirtuozzoConnectionRow): Promise<boolean> {
  if (row.authKind !== "password" || !row.sessionKey) return false;
  try {
    const credential = await openCredential(ctx, row.teamId, row.credential);
    if (credential.kind !== "password") return false;
    const key = await openSessionKey(ctx, row.teamId, row.sessionKey);
    const r = await signout(vzDeps(ctx), row.apiUrl, key);
    return r.kind === "ok";
  } catch (error) {
    logger.warn("virtuozzo sign-out failed", { teamId: row.teamId, error });
    return false;
  }
}
