import type { Acquired, AcquireRequest } from "../../../durable-objects/virtuozzo-session";
import type { Principal } from "../../auth/principal";
import { constantTimeEqual, utf8 } from "../../crypto/encoding";
import { type RequestContext, rateLimitDeps } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { iso } from "../../platform/iso-time";
import { logger } from "../../platform/logger";
import { enforceRateLimits } from "../../platform/rate-limits";
import { commit } from "../../platform/unit-of-work";
import { checksign, vzDeps } from "./client";
import { callerAudit, type RefreshTrigger, refreshConnection, safetyWindowMs } from "./refresh";
import { openSessionKey } from "./sealing";
import { findConnection, type VirtuozzoConnectionRow } from "./store";

/** What a `virtuozzo:use` holder gets: a session key valid for at least the safety window (or the old one). */
export interface SessionKeyView {
  sessionKey: string;
  expiresAt: string;
}

interface CurrentKey {
  sessionKey: string;
  sealedKey: string;
  expiresAt: number;
}

type Mode = AcquireRequest["mode"];

/** The team's VirtuozzoSession object: the per-team refresh lock and key cache. */
export function sessionObject(ctx: RequestContext, teamId: string) {
  return ctx.env.VIRTUOZZO_SESSION.get(ctx.env.VIRTUOZZO_SESSION.idFromName(teamId));
}

export const reauthRequired = () => new AuthError("virtuozzo_reauth_required");
export const vzUnavailable = (reason: string) =>
  new AuthError("virtuozzo_unavailable", { internal: { reason } });

/** The connection a session request works with: 404 without one, 409 once Virtuozzo rejected its credential. */
export async function usableConnection(ctx: RequestContext, teamId: string): Promise<VirtuozzoConnectionRow> {
  const row = await findConnection(ctx.db, teamId);
  if (!row) throw new AuthError("virtuozzo_not_connected");
  if (row.status !== "connected") throw reauthRequired();
  return row;
}

const view = (key: CurrentKey): SessionKeyView => ({
  sessionKey: key.sessionKey,
  expiresAt: iso(key.expiresAt) as string,
});

/** GET …/virtuozzo/session: the current key, refreshed lazily inside the safety window (one refresh a team). */
export async function teamSessionKey(ctx: RequestContext, input: { auth: Principal; teamId: string }) {
  return view(await obtain(ctx, { ...input, mode: { kind: "get" }, trigger: "expiry" }));
}

/** POST …/virtuozzo/refresh (the Owner, checked by the caller): a new key whatever the window. */
export async function forcedSessionKey(ctx: RequestContext, input: { auth: Principal; teamId: string }) {
  return view(await obtain(ctx, { ...input, mode: { kind: "force" }, trigger: "forced" }));
}

/**
 * POST …/virtuozzo/session/invalid: a holder says Virtuozzo refused `sessionKey`. Only the current key counts
 * (compared in constant time; an older key gets the current one back). The team's object lets one reporter
 * verify it (checksign) and, if it really is invalid, refresh; every concurrent report of the same key waits for
 * that one outcome, so N reports cause at most one checksign and one sign-in.
 */
export async function reportInvalidKey(
  ctx: RequestContext,
  input: { auth: Principal; teamId: string; sessionKey: string },
): Promise<SessionKeyView> {
  await enforceRateLimits(rateLimitDeps(ctx), [["virtuozzo-invalid:team", input.teamId]]);
  const current = await obtain(ctx, { ...input, mode: { kind: "get" }, trigger: "expiry" });
  if (!(await sameKey(current.sessionKey, input.sessionKey))) return view(current);
  const mode: Mode = { kind: "invalid", sealedKey: current.sealedKey };
  return view(await obtain(ctx, { ...input, mode, trigger: "invalid_report" }));
}

async function sameKey(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.digest("SHA-256", utf8(s))));
  return constantTimeEqual(new Uint8Array(x as ArrayBuffer), new Uint8Array(y as ArrayBuffer));
}

interface Obtain {
  auth: Principal;
  teamId: string;
  mode: Mode;
  trigger: RefreshTrigger;
}

/**
 * The hot path asks the team's object alone first: a fresh key of facts it checked against D1 less than 30 s ago
 * is one Durable Object call and no D1 read. Otherwise (a miss, a refresh to run, or another mode) the connection
 * row is read and handed over.
 */
async function obtain(ctx: RequestContext, input: Obtain, attempt = 0): Promise<CurrentKey> {
  const object = sessionObject(ctx, input.teamId);
  if (input.mode.kind === "get" && attempt === 0) {
    const cached = await object.acquire({ now: ctx.now(), mode: input.mode, row: null });
    if (cached.kind === "fresh") {
      return { ...cached, sessionKey: await openSessionKey(ctx, input.teamId, cached.sealedKey) };
    }
  }
  const row = await usableConnection(ctx, input.teamId);
  const stored =
    row.sessionKey && row.sessionExpiresAt !== null
      ? { sealedKey: row.sessionKey, expiresAt: row.sessionExpiresAt }
      : null;
  const acquired: Acquired = await object.acquire({
    now: ctx.now(),
    mode: input.mode,
    row: { generation: row.generation, windowMs: safetyWindowMs(row), stored },
  });
  switch (acquired.kind) {
    case "fresh":
      return { ...acquired, sessionKey: await openSessionKey(ctx, input.teamId, acquired.sealedKey) };
    case "stale":
    case "need_row":
      // The Owner replaced the credential while we read: once more with the new row.
      if (attempt === 0) return obtain(ctx, input, 1);
      throw vzUnavailable("generation kept changing");
    case "rejected":
      throw reauthRequired();
    case "unavailable":
      if (input.mode.kind === "get" && acquired.fallback) {
        return {
          ...acquired.fallback,
          sessionKey: await openSessionKey(ctx, input.teamId, acquired.fallback.sealedKey),
        };
      }
      throw vzUnavailable("refresh failed (shared outcome)");
    case "lead":
      return lead(ctx, { ...input, row, leaseId: acquired.leaseId, current: acquired.current });
  }
}

/** This request holds the team's lease: do the work, then hand the outcome to every waiter. */
async function lead(
  ctx: RequestContext,
  input: Obtain & {
    row: VirtuozzoConnectionRow;
    leaseId: string;
    current: { sealedKey: string; expiresAt: number } | null;
  },
): Promise<CurrentKey> {
  const { row, leaseId, teamId } = input;
  const object = sessionObject(ctx, teamId);
  let completed = false;
  const complete = (outcome: Parameters<typeof object.complete>[1]) => {
    completed = true;
    return object.complete(leaseId, outcome, ctx.now()).catch((error: unknown) => {
      // The lease times out by itself; the waiters then get the old key or 502.
      logger.warn("virtuozzo lease not completed", { teamId, error });
      return false;
    });
  };
  try {
    const current = input.current
      ? { ...input.current, sessionKey: await openSessionKey(ctx, teamId, input.current.sealedKey) }
      : null;
    const extraAudit = [];
    if (input.mode.kind === "invalid") {
      const reported = await openSessionKey(ctx, teamId, input.mode.sealedKey);
      const check = await checksign(vzDeps(ctx), row.apiUrl, reported);
      const outcome =
        check.kind === "ok" ? "still_valid" : check.kind === "rejected" ? "invalid" : "unverified";
      const audit = {
        action: "virtuozzo.key_reported_invalid" as const,
        ...callerAudit(input.auth, teamId),
        metadata: { outcome, ...(input.auth.apiKeyId ? { apiKeyId: input.auth.apiKeyId } : {}) },
      };
      if (check.kind === "ok" && current) {
        await commit(ctx, { audit });
        await complete({ kind: "fresh", sealedKey: current.sealedKey, expiresAt: current.expiresAt });
        return current;
      }
      if (check.kind === "unavailable") {
        await commit(ctx, { audit });
        await complete({ kind: "unavailable" });
        throw vzUnavailable(`checksign ${check.reason}`);
      }
      extraAudit.push(audit);
    }
    const outcome = await refreshConnection(ctx, {
      auth: input.auth,
      row,
      trigger: input.trigger,
      extraAudit,
    });
    if (outcome.kind === "fresh") {
      await complete({ kind: "fresh", sealedKey: outcome.sealedKey, expiresAt: outcome.expiresAt });
      return outcome;
    }
    if (outcome.kind === "rejected") {
      await complete({ kind: "rejected" });
      throw reauthRequired();
    }
    await complete({ kind: "unavailable" });
    if (input.mode.kind === "get" && current) return current;
    throw vzUnavailable(outcome.reason);
  } catch (error) {
    // Whatever went wrong, never leave the waiters hanging until the lease times out.
    if (!completed) await complete({ kind: "unavailable" });
    throw error;
  }
}
