import { toHex } from "../../crypto/encoding";
import { generateToken, hashToken } from "../../crypto/tokens";
import { findLoginEvent, insertLoginEvent, setLoginEventOutcome } from "../../db/login-events";
import { findUserById, type UserRow } from "../../db/users";
import { locationLabel } from "../../platform/client";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import { prepareSecurityAlert } from "../account/security-alerts";
import type { RiskEvaluation } from "./risk/risk";
import { riskReasonWords } from "./risk/text";
import { loadLoginStep, type StepAnswer, stepAnswer } from "./step-machine";
import {
  decideLoginApproval,
  findLoginApproval,
  findLoginApprovalByToken,
  insertLoginApproval,
  type LoginApprovalRow,
} from "./store";

/**
 * Suspicious-login approval. A login the risk engine scores at RISK_APPROVAL_SCORE or more waits at step `login_approval`
 * until its owner follows one of two mailed links (single-use, LOGIN_APPROVAL_TTL): approve lets the login
 * continue, deny ends it (the pre-auth token's status turns `denied`), alerts the owner and offers a password
 * reset; nothing else is revoked. The approval is opened at the password step — the owner hears about the
 * attempt at once, even while the login still waits at an earlier step (device approval) — and its id is the
 * id of the login's own event, so the decision's event copies that login's place and device.
 */
export interface ApprovalOpening {
  user: Pick<UserRow, "id" | "email" | "name">;
  eventId: string;
  /** The login's risk evaluation (risk.ts): the mail and the approval record its reasons. */
  risk: RiskEvaluation;
  deviceHash: string;
}

export async function openLoginApproval(ctx: RequestContext, opening: ApprovalOpening): Promise<void> {
  const { user, risk } = opening;
  const client = ctx.client;
  const now = ctx.now();
  const approveToken = generateToken(ctx.random);
  const denyToken = generateToken(ctx.random);
  const ttl = ctx.config.LOGIN_APPROVAL_TTL;
  const link = (decision: "approve" | "deny", token: string) =>
    `${ctx.config.PUBLIC_ORIGIN}/api/v1/auth/login/${decision}?token=${encodeURIComponent(token)}`;
  const location = locationLabel(client);
  const mail = await prepareEmail(outboxDeps(ctx), {
    template: "login_approval",
    to: user.email,
    data: {
      ...(user.name ? { name: user.name } : {}),
      approveUrl: link("approve", approveToken),
      denyUrl: link("deny", denyToken),
      expiresMinutes: Math.round(ttl / 60),
      device: client.device,
      ...(client.ip ? { ip: client.ip } : {}),
      ...(location ? { location } : {}),
      reasons: riskReasonWords(risk.reasons).join("; "),
    },
  });
  const [approveHash, denyHash] = await Promise.all([hashToken(approveToken), hashToken(denyToken)]);
  await commit(ctx, {
    writes: [
      setLoginEventOutcome(ctx.db, opening.eventId, "login_approval", risk.reasons.join(",")),
      insertLoginApproval(ctx.db, {
        id: opening.eventId,
        userId: user.id,
        deviceHash: opening.deviceHash,
        approveHash,
        denyHash,
        reasons: JSON.stringify(risk.reasons),
        ip: client.ip,
        country: client.country,
        city: client.city,
        expiresAt: now + ttl * 1000,
        createdAt: now,
      }),
    ],
    audit: {
      action: "login.risk_detected",
      target: { type: "user", id: user.id },
      metadata: { rules: risk.reasons, score: risk.score, approvalId: opening.eventId },
    },
    mails: [mail],
  });
}

type ApprovalState = "pending" | "approved" | "denied";

/** Where the login's approval stands, as its pre-auth token sees it. Expired undecided approvals are void. */
async function approvalState(
  ctx: RequestContext,
  input: { approvalId: string; userId: string },
): Promise<ApprovalState> {
  const { approvalId, userId } = input;
  const row = await findLoginApproval(ctx.db, approvalId);
  if (!row || row.userId !== userId) {
    throw new AuthError("unauthorized", { detail: "Your sign-in has expired. Please sign in again." });
  }
  if (row.status === "pending" && row.expiresAt <= ctx.now()) {
    throw new AuthError("unauthorized", {
      detail: "Your sign-in has expired. Please sign in again.",
      internal: { reason: "approval expired" },
    });
  }
  return row.status;
}

export interface DecisionResult {
  status: "approved" | "denied";
  /** Where to reset the password (offered after a deny). */
  resetUrl?: string;
}

/** A link token's hash; a token that cannot be one of ours is the same 400 as an unknown one. */
async function linkTokenHash(token: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{22,86}$/.test(token)) throw new AuthError("invalid_token");
  return hashToken(token);
}

/** Where and from what the waiting login came: its own login event, else what the approval recorded. */
async function loginPlace(ctx: RequestContext, row: LoginApprovalRow) {
  const event = await findLoginEvent(ctx.db, row.id);
  return {
    event,
    place: {
      device: event?.device ?? null,
      ip: event?.ip ?? row.ip,
      country: event?.country ?? row.country,
      city: event?.city ?? row.city,
    },
  };
}

/** What a mailed link would decide, for which login, and where the approval stands. */
export interface DecisionPreview {
  action: "approve" | "deny";
  status: ApprovalState;
  login: { at: string; location: string | null; device: string | null; ip?: string };
}

/**
 * GET (and HEAD) /auth/login/approve and /deny: what the link would decide, deciding nothing. Mail security
 * gateways open every link of a mail, so opening one must not act (../shared/API.md "Mailed links decide nothing
 * on GET"); this only reads. An unknown or malformed link, or an undecided one past its expiry, is 400
 * invalid_token; a decided one says how it was decided.
 */
export async function previewLoginDecision(
  ctx: RequestContext,
  input: { decision: "approved" | "denied"; token: string },
): Promise<DecisionPreview> {
  const row = await findLoginApprovalByToken(ctx.db, input.decision, await linkTokenHash(input.token));
  if (!row || (row.status === "pending" && row.expiresAt <= ctx.now())) throw new AuthError("invalid_token");
  const { place } = await loginPlace(ctx, row);
  return {
    action: input.decision === "approved" ? "approve" : "deny",
    status: row.status,
    login: {
      at: new Date(row.createdAt).toISOString(),
      location: locationLabel(place),
      device: place.device,
      ...(place.ip ? { ip: place.ip } : {}),
    },
  };
}

/**
 * POST /auth/login/approve and /deny: decides the approval a mailed link belongs to. The link's token is the
 * only credential (whoever holds the owner's mailbox decides); it works once, and after either decision both
 * links answer 409 login_already_decided. An unknown, malformed or expired link is one 400, so nothing is
 * learnt from it.
 */
export async function decideLogin(
  ctx: RequestContext,
  input: { decision: "approved" | "denied"; token: string },
): Promise<DecisionResult> {
  const { decision } = input;
  const tokenHash = await linkTokenHash(input.token);
  const now = ctx.now();
  const row = await decideLoginApproval(ctx.db, decision, tokenHash, now);
  if (!row) {
    const known = await findLoginApprovalByToken(ctx.db, decision, tokenHash);
    if (known && known.status !== "pending") throw new AuthError("login_already_decided");
    throw new AuthError("invalid_token");
  }
  const [{ event, place }, user] = await Promise.all([
    loginPlace(ctx, row),
    findUserById(ctx.db, row.userId),
  ]);
  const decisionEvent = insertLoginEvent(ctx.db, {
    id: toHex(ctx.random(16)),
    userId: row.userId,
    at: now,
    outcome: decision === "approved" ? "success" : "denied",
    reason: decision === "approved" ? "approved_by_owner" : "denied_by_owner",
    ...place,
    asn: event?.asn ?? null,
    latitude: event?.latitude ?? null,
    longitude: event?.longitude ?? null,
    // The decided login's risk evaluation: the approved success (or the denial) is that login's row.
    riskScore: event?.riskScore ?? null,
    riskReasons: event?.riskReasons ?? null,
  });
  const audit = {
    action: decision === "approved" ? ("login.approved" as const) : ("login.denied" as const),
    target: { type: "user" as const, id: row.userId },
    metadata: { approvalId: row.id, rules: JSON.parse(row.reasons) as unknown },
  };
  if (decision === "approved" || !user) {
    await commit(ctx, { writes: [decisionEvent], audit });
    return { status: decision };
  }
  // The alert's details are the denied login's, not those of the device that opened the link.
  const alert = await prepareSecurityAlert(ctx, {
    user,
    event:
      "You denied a sign-in to your account from the approval email. That sign-in was blocked. Whoever " +
      "tried it knows your password: please choose a new one.",
    client: {
      ...place,
      device: place.device ?? "Unknown device",
      userAgent: null,
      asn: null,
      latitude: null,
      longitude: null,
    },
  });
  await commit(ctx, { writes: [decisionEvent], audit, mails: [alert] });
  return { status: "denied", resetUrl: `${ctx.config.PUBLIC_ORIGIN}/forgot-password` };
}

export type LoginStatus = StepAnswer | { step: "login_approval"; expiresIn: number } | { step: "denied" };

/**
 * GET /auth/login/status: where a login waiting for its owner's approval stands. While undecided the answer is
 * `login_approval` (polling extends nothing: the pre-auth token keeps its expiry); after a deny, `denied`;
 * after an approve, the next step itself with a new pre-auth token. At any other step it answers that step.
 */
export async function loginStatus(
  ctx: RequestContext,
  input: { deviceHash: string | null; preAuthToken: string },
): Promise<LoginStatus> {
  const login = await loadLoginStep(ctx, { token: input.preAuthToken, deviceHash: input.deviceHash });
  const { user, state, current } = login;
  if (current !== "login_approval") return stepAnswer({ ctx, user, state });
  const decided = await approvalState(ctx, { approvalId: state.approval as string, userId: user.id });
  if (decided === "denied") return { step: "denied" };
  if (decided === "pending") {
    return {
      step: "login_approval",
      expiresIn: Math.max(0, Math.floor((login.expiresAt - ctx.now()) / 1000)),
    };
  }
  return stepAnswer({ ctx, user, state: { ...state, done: [...state.done, "login_approval"] } });
}
