import {
  type BindingMismatch,
  bindingOf,
  recordedBinding,
  type SessionBinding,
} from "../../auth/session-binding";
import { findUserById } from "../../db/users";
import { locationLabel } from "../../platform/client";
import { outboxDeps, type RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { prepareEmail } from "../../platform/outbox";
import { commit } from "../../platform/unit-of-work";
import {
  evaluateRisk,
  NO_RISK_SIGNALS,
  type RiskEvaluation,
  riskSettings,
  utcHour,
} from "../login/risk/risk";
import { loginEvent } from "../login/store";
import { sessionsEnded } from "./end";
import { findSession, revokeSessionStatement } from "./store";

/**
 * The rule "a session used from a client its binding refuses is ended" (auth/session-binding.ts,
 * docs/session-binding.md): whether the refresh token (refresh.ts) or an access token (the edge check in
 * auth/authenticate.ts, wired through the app's `onBindingMismatch`; the pages' page-session.ts) was presented,
 * the session is revoked in D1 and at the edge like every other end (end.ts `sessionsEnded`), its user is
 * mailed (`session_binding`), the event is audited (`session.binding_mismatch`) and shown in the login
 * activity (outcome `binding_mismatch`) — one batch. Answers the error to throw: 401 `session_binding_mismatch`.
 *
 * Only this path reads storage (the user, for the mail): a request within its binding never gets here.
 */
export interface BrokenBinding {
  sessionId: string;
  userId: string;
  reason: BindingMismatch;
  /** What the request presented: the refresh token, or an access token in a cookie or an Authorization header. */
  via: "refresh" | "cookie" | "bearer";
  /** The binding the session recorded, when the caller read its row (the refresh path): no need to read it again. */
  recorded?: SessionBinding;
}

/**
 * The risk of the refused request (features/login/risk/risk.ts), for the login activity: its place against the
 * session's (the session's creation is the baseline), an `ip_jump` when it left the session's prefix, a new
 * device when the UA family changed.
 */
export function bindingRisk(
  ctx: Pick<RequestContext, "config" | "client" | "now">,
  recorded: SessionBinding | null,
  reason: BindingMismatch,
): RiskEvaluation {
  const current = bindingOf(ctx.client);
  return evaluateRisk(
    {
      ...NO_RISK_SIGNALS,
      country: current.country,
      asn: current.asn,
      history: recorded ? 1 : 0,
      knownCountries: recorded?.country ? [recorded.country] : [],
      knownAsns: recorded?.asn != null ? [recorded.asn] : [],
      hour: utcHour(ctx.now()),
      newDevice: reason === "ua_family",
      ipJump: recorded?.netPrefix != null && recorded.netPrefix !== current.netPrefix,
    },
    riskSettings(ctx.config),
  );
}

export async function endMismatchedSession(ctx: RequestContext, broken: BrokenBinding): Promise<AuthError> {
  const error = new AuthError("session_binding_mismatch", {
    internal: { reason: broken.reason, via: broken.via },
  });
  const [user, session] = await Promise.all([
    findUserById(ctx.db, broken.userId),
    broken.recorded ? undefined : findSession(ctx.db, broken.sessionId),
  ]);
  // Another request of the same thief already ended it (its edge record may not have reached this location
  // yet): refuse without a second mail.
  if (!broken.recorded && (!session || session.revokedAt !== null)) return error;
  const risk = bindingRisk(
    ctx,
    broken.recorded ?? (session ? recordedBinding(session) : null),
    broken.reason,
  );
  const client = ctx.client;
  const location = locationLabel(client);
  const mail = user
    ? await prepareEmail(outboxDeps(ctx), {
        template: "session_binding",
        to: user.email,
        data: {
          ...(user.name ? { name: user.name } : {}),
          device: client.device,
          ...(client.ip ? { ip: client.ip } : {}),
          ...(location ? { location } : {}),
          resetUrl: `${ctx.config.PUBLIC_ORIGIN}/forgot-password`,
        },
      })
    : null;
  await commit(ctx, {
    writes: [
      revokeSessionStatement(ctx.db, broken.sessionId, ctx.now(), "binding_mismatch"),
      loginEvent(ctx, { userId: broken.userId, outcome: "binding_mismatch", reason: broken.reason, risk }),
    ],
    audit: {
      action: "session.binding_mismatch",
      target: { type: "user", id: broken.userId },
      metadata: {
        sessionId: broken.sessionId,
        reason: broken.reason,
        via: broken.via,
        riskScore: risk.score,
        riskReasons: risk.reasons,
      },
    },
    mails: [mail],
    after: ([revoked]) => sessionsEnded(ctx, revoked, "binding_mismatch"),
  });
  return error;
}
